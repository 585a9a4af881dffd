/// The authenticator's decisions, without sockets: ZAP request frames in, a reply and an event
/// out, or a CURVE callback to consult first.
///
/// Pure: it keeps no state between requests (a ``CertificateStore``'s reloads live in the store),
/// so the I/O shell (``ZAPAuthenticator``) can run many consultations at once and the tests can
/// feed it frames directly.
struct ZAPDecisionCore: Sendable {
    /// The policies.
    var configuration: ZAPAuthenticatorConfiguration

    /// What the shell must do with a request.
    enum Action: Sendable {
        /// Send the reply and publish the event.
        case reply(ZAPReply, AuthenticationEvent)
        /// Run the CURVE callback, then hand its answer to ``complete(_:with:)``.
        case consult(CurveConsultation)
        /// Nothing can be answered (no request id): log the reason and drop the message.
        case ignore(reason: String)
    }

    /// A CURVE request waiting for its callback.
    struct CurveConsultation: Sendable {
        var request: ZAPRequest
        var client: CurveClientRequest
        var decide: @Sendable (CurveClientRequest) async throws -> AuthenticationDecision
    }

    /// The user id given to NULL peers, as pyzmq's handler does.
    static let anonymous = "anonymous"

    /// Decides about one request (its frames after the envelope).
    func handle(_ frames: [[UInt8]]) -> Action {
        let request: ZAPRequest
        do {
            request = try ZAPRequest(frames: frames)
        } catch {
            guard let requestID = error.requestID else { return .ignore(reason: error.reason) }
            let event = AuthenticationEvent(
                peerAddress: frames.count > 3 ? String(decoding: frames[3], as: UTF8.self) : "",
                mechanism: ZAPMechanism(frames.count > 5 ? String(decoding: frames[5], as: UTF8.self) : "?"),
                identity: nil, userID: nil,
                domain: frames.count > 2 ? String(decoding: frames[2], as: UTF8.self) : "",
                status: .authenticationFailure, reason: "malformed ZAP request: \(error.reason)"
            )
            return .reply(ZAPReply(requestID: requestID, status: event.status, statusText: event.reason), event)
        }
        return decide(request)
    }

    /// Decides about a parsed request.
    func decide(_ request: ZAPRequest) -> Action {
        func finish(_ decision: AuthenticationDecision, identity: String?, defaultUserID: String) -> Action {
            let (reply, event) = Self.outcome(of: request, decision, identity: identity, defaultUserID: defaultUserID)
            return .reply(reply, event)
        }
        func deny(_ reason: String, identity: String? = nil) -> Action {
            finish(.deny(reason: reason), identity: identity, defaultUserID: "")
        }

        guard let policy = configuration.policy(forDomain: request.domain) else {
            return deny("no policy for ZAP domain \"\(request.domain)\"")
        }
        switch request.mechanism {
        case .null:
            guard request.credentials.isEmpty else {
                return deny("NULL sends no credentials, this request has \(request.credentials.count) frames")
            }
            if let refusal = policy.addresses.refusal(of: request.address) { return deny(refusal) }
            guard policy.allowsNull else { return deny("NULL is not accepted in domain \"\(request.domain)\"") }
            return finish(.allow(), identity: nil, defaultUserID: Self.anonymous)

        case .plain:
            guard request.credentials.count == 2 else {
                return deny("PLAIN credentials are 2 frames (user name, password), not \(request.credentials.count)")
            }
            guard let user = String(validating: request.credentials[0], as: UTF8.self) else {
                return deny("the PLAIN user name is not UTF-8")
            }
            if let refusal = policy.addresses.refusal(of: request.address) { return deny(refusal, identity: user) }
            guard let passwords = policy.plain else {
                return deny("PLAIN is not accepted in domain \"\(request.domain)\"", identity: user)
            }
            guard passwords.check(user: user, passwordBytes: request.credentials[1]) else {
                // The name comes from the network: shown as `Frame` shows it, so a name with a
                // line break cannot forge a line of the log the reason goes to.
                let shown = Frame(request.credentials[0]).description
                return deny(
                    passwords.users.contains(user) ? "wrong password for user \(shown)" : "unknown user \(shown)",
                    identity: user
                )
            }
            return finish(.allow(), identity: user, defaultUserID: user)

        case .curve:
            guard request.credentials.count == 1, request.credentials[0].count == 32 else {
                let sizes = request.credentials.map { String($0.count) }.joined(separator: ", ")
                return deny("CURVE credentials are one 32-byte key, not frames of [\(sizes)] bytes")
            }
            guard let key = try? CurvePublicKey(bytes: request.credentials[0]) else {
                return deny("the CURVE client key is not a valid key")
            }
            let z85 = key.z85
            if let refusal = policy.addresses.refusal(of: request.address) { return deny(refusal, identity: z85) }
            switch policy.curve {
            case nil:
                return deny("CURVE is not accepted in domain \"\(request.domain)\"", identity: z85)
            case .anyKey:
                return finish(.allow(), identity: z85, defaultUserID: z85)
            case .certificates(let store):
                guard store.contains(key) else { return deny("client key \(z85) is not in the certificate store", identity: z85) }
                return finish(.allow(), identity: z85, defaultUserID: z85)
            case .keys(let keys):
                guard keys.contains(key) else { return deny("client key \(z85) is not allowed", identity: z85) }
                return finish(.allow(), identity: z85, defaultUserID: z85)
            case .decidedBy(let decide):
                let client = CurveClientRequest(publicKey: key, address: request.address, domain: request.domain, routingID: request.routingID)
                return .consult(CurveConsultation(request: request, client: client, decide: decide))
            }

        default:
            return deny("mechanism \(request.mechanism) is not supported")
        }
    }

    /// The reply and event for a consultation's answer (or its error).
    func complete(_ consultation: CurveConsultation, with result: Result<AuthenticationDecision, any Error>) -> (ZAPReply, AuthenticationEvent) {
        let decision: AuthenticationDecision
        switch result {
        case .success(let answer): decision = answer
        case .failure(let error): decision = .fail(reason: "the CURVE callback failed: \(error)")
        }
        let key = consultation.client.publicKey.z85
        return Self.outcome(of: consultation.request, decision, identity: key, defaultUserID: key)
    }

    /// Turns a decision into the reply and the event.
    static func outcome(
        of request: ZAPRequest, _ decision: AuthenticationDecision, identity: String?, defaultUserID: String
    ) -> (ZAPReply, AuthenticationEvent) {
        let status: ZAPStatus
        let reason: String
        var userID = ""
        var metadata: [String: String] = [:]
        switch decision {
        case .allow(let givenUserID, let givenMetadata):
            status = .success
            reason = "OK"
            userID = givenUserID ?? defaultUserID
            metadata = givenMetadata.filter { !$0.key.utf8.isEmpty && $0.key.utf8.count <= 255 }
        case .deny(let why):
            status = .authenticationFailure
            reason = why
        case .retryLater(let why):
            status = .temporaryFailure
            reason = why
        case .fail(let why):
            status = .internalError
            reason = why
        }
        let reply = ZAPReply(requestID: request.requestID, status: status, statusText: reason, userID: userID, metadata: metadata)
        let event = AuthenticationEvent(
            peerAddress: request.address, mechanism: request.mechanism, identity: identity,
            userID: status.isSuccess ? userID : nil, domain: request.domain, status: status, reason: reason,
            routingID: request.routingID
        )
        return (reply, event)
    }

}
