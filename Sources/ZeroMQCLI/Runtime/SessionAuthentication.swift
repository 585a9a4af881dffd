import ZeroMQ
import ZeroMQSupport

/// The session's ZAP authenticator, for `--allow` and `--plain-server`: started by the first
/// socket whose security needs one, serving until the session's context shuts down, and
/// printing each decision to standard error as `auth: <event>` (not with `--quiet`).
final class SessionAuthentication: Sendable {
    /// Who the authenticator lets in.
    enum Rule: Sendable {
        /// CURVE clients whose public key is in the store (`--allow DIR`).
        case curve(CertificateStore)
        /// PLAIN users with these passwords (`--plain-server USER:PASS`).
        case plain([String: String])
    }

    private let started = Lock(false)

    /// Installs and runs the authenticator on `context` with `rule`, unless it already runs.
    func start(_ rule: Rule, in context: Context, printsEvents: Bool) async throws {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let policy: ZAPPolicy
        switch rule {
        case .curve(let store):
            policy = ZAPPolicy(curve: .decidedBy { request in
                guard let certificate = store.certificate(for: request.publicKey) else {
                    return .deny(reason: "the client key is not in the --allow directory")
                }
                return .allow(userID: certificate.metadata["name"] ?? request.publicKey.z85)
            })
        case .plain(let users):
            policy = ZAPPolicy(plain: PlainPasswords(users))
        }
        let authenticator = try await ZAPAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: policy))
        if printsEvents {
            let events = authenticator.events()
            Task {
                for await event in events { Terminal.printError("auth: \(event)") }
            }
        }
        // Ends when the session's context shuts down (the authenticator's socket closes).
        Task { try? await authenticator.run() }
    }
}
