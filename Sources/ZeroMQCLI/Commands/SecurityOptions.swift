import ArgumentParser
import ZeroMQ

/// `--curve-server`, `--curve-client`, `--server-key`, `--allow`, `--any-client`, `--plain` and
/// `--plain-server`: the security of a command's socket (part of ``EndpointOptions``, so every
/// socket command has them; `zmq proxy` applies them to its frontend).
struct SecurityOptions: ParsableArguments {
    @Option(
        name: .customLong("curve-server"),
        help: ArgumentHelp(
            "Be a CURVE server with the key pair in this secret certificate (NAME.key_secret, as "
                + "`zmq keygen --out NAME` writes it). Needs --allow DIR, or --any-client.",
            valueName: "cert")
    )
    var curveServer: String?

    @Option(
        name: .customLong("allow"),
        help: ArgumentHelp(
            "With --curve-server: accept only clients whose public certificate (NAME.key) is in this "
                + "directory (checked by a ZAP authenticator; others get nothing through).",
            valueName: "dir")
    )
    var allow: String?

    @Flag(
        name: .customLong("any-client"),
        help: ArgumentHelp(
            "With --curve-server and no --allow: accept ANY client key. The traffic is encrypted, but "
                + "nobody is authenticated: anyone who knows the server's public key gets in.")
    )
    var anyClient = false

    @Option(
        name: .customLong("curve-client"),
        help: ArgumentHelp(
            "Be a CURVE client with the key pair in this secret certificate (NAME.key_secret). "
                + "Needs --server-key.",
            valueName: "cert")
    )
    var curveClient: String?

    @Option(
        name: .customLong("server-key"),
        help: ArgumentHelp(
            "With --curve-client: the server's public key, as 40 characters of Z85 text or a public "
                + "certificate file (NAME.key).",
            valueName: "key")
    )
    var serverKey: String?

    @Option(
        name: .customLong("plain"),
        help: ArgumentHelp(
            "Be a PLAIN client sending this user name and password (in clear text: PLAIN only "
                + "authenticates, it does not encrypt).",
            valueName: "user:pass")
    )
    var plain: String?

    @Option(
        name: .customLong("plain-server"),
        help: ArgumentHelp(
            "Be a PLAIN server accepting this user name and password (repeatable: one user each), "
                + "checked by a ZAP authenticator.",
            valueName: "user:pass")
    )
    var plainServer: [String] = []

    /// What the options ask for, checked: at most one mechanism, each with what it needs.
    enum Choice: Sendable, Equatable {
        case none
        case curveServer(certificate: String, allow: String?)
        case curveClient(certificate: String, serverKey: String)
        case plainClient(username: String, password: String)
        case plainServer(users: [String: String])
    }

    func validate() throws {
        _ = try choice()
    }

    /// The mechanism chosen, or a usage error naming what is missing or too much.
    func choice() throws -> Choice {
        let mechanisms = [
            curveServer.map { _ in "--curve-server" }, curveClient.map { _ in "--curve-client" },
            plain.map { _ in "--plain" }, plainServer.isEmpty ? nil : "--plain-server",
        ].compactMap { $0 }
        guard mechanisms.count <= 1 else {
            throw ValidationError("Give one security mechanism, not \(mechanisms.joined(separator: " and ")).")
        }
        if allow != nil, curveServer == nil {
            throw ValidationError("--allow DIR goes with --curve-server CERT (it lists the clients a CURVE server accepts).")
        }
        if anyClient, curveServer == nil {
            throw ValidationError("--any-client goes with --curve-server CERT.")
        }
        if serverKey != nil, curveClient == nil {
            throw ValidationError("--server-key KEY goes with --curve-client CERT.")
        }
        if let curveServer {
            switch (allow, anyClient) {
            case (nil, false):
                throw ValidationError(
                    "--curve-server needs --allow DIR (the public certificates of the clients to accept), or --any-client "
                        + "to accept any client key (encrypted, but nobody is authenticated).")
            case (.some, true):
                throw ValidationError("Give --allow DIR or --any-client, not both.")
            default:
                return .curveServer(certificate: curveServer, allow: allow)
            }
        }
        if let curveClient {
            guard let serverKey else {
                throw ValidationError("--curve-client needs --server-key KEY: the server's public key (Z85 text or its NAME.key file).")
            }
            return .curveClient(certificate: curveClient, serverKey: serverKey)
        }
        if let plain {
            let (username, password) = try Self.credentials(plain, option: "--plain")
            return .plainClient(username: username, password: password)
        }
        if !plainServer.isEmpty {
            var users: [String: String] = [:]
            for entry in plainServer {
                let (username, password) = try Self.credentials(entry, option: "--plain-server")
                guard users[username] == nil else { throw ValidationError("--plain-server names the user '\(username)' twice.") }
                users[username] = password
            }
            return .plainServer(users: users)
        }
        return .none
    }

    /// `user:pass` split at its first colon; the password is never part of an error.
    static func credentials(_ text: String, option: String) throws -> (String, String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("\(option) wants USER:PASS (a user name, a colon, a password).")
        }
        let username = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard !username.isEmpty else { throw ValidationError("\(option) wants USER:PASS with a user name before the colon.") }
        guard !password.isEmpty else { throw ValidationError("\(option) wants USER:PASS with a password after the colon (user '\(username)').") }
        guard username.utf8.count <= 255, password.utf8.count <= 255 else {
            throw ValidationError("\(option): PLAIN allows at most 255 bytes of user name and of password (user '\(username)').")
        }
        return (username, password)
    }
}

extension SecurityOptions {
    /// Sets the chosen mechanism on `socket` before it binds or connects; for `--allow` and
    /// `--plain-server`, first starts the session's ZAP authenticator (once per session).
    func apply<Role: SocketRole>(to socket: Socket<Role>, in session: Session) async throws {
        switch try choice() {
        case .none:
            return
        case .curveServer(let certificate, let allow):
            let keys = try Certificates.keyPair(certificate, option: "--curve-server")
            if let allow {
                let store = try Certificates.store(allow)
                try await session.authentication.start(.curve(store), in: session.context, printsEvents: session.printsMessages)
                try await socket.setSecurity(.curveServer(keys: keys))
            } else {
                try await socket.setSecurity(.curveServer(keys: keys, clients: .anyClient))
                Terminal.printError(
                    "warning: --any-client: this CURVE server accepts any client key (traffic encrypted, nobody authenticated)")
            }
        case .curveClient(let certificate, let serverKey):
            let keys = try Certificates.keyPair(certificate, option: "--curve-client")
            let server = try Certificates.publicKey(serverKey, option: "--server-key")
            try await socket.setSecurity(.curveClient(serverKey: server, clientKeys: keys))
        case .plainClient(let username, let password):
            try await socket.setSecurity(.plain(username: username, password: password))
        case .plainServer(let users):
            try await session.authentication.start(.plain(users), in: session.context, printsEvents: session.printsMessages)
            try await socket.setSecurity(.plainServer(domain: ""))
        }
    }
}
