import Testing
@testable import ZeroMQ

/// The decision core without sockets: request frames in, reply and event out.
@Suite("ZAP decision core", .timeLimit(.minutes(1)))
struct ZAPDecisionCoreTests {
    /// A request's frames as libzmq 4.3.4 sends them (request id "1", no port in the address).
    static func frames(
        domain: String = "", address: String = "127.0.0.1", mechanism: String, credentials: [[UInt8]] = [],
        version: String = "1.0"
    ) -> [[UInt8]] {
        [Array(version.utf8), Array("1".utf8), Array(domain.utf8), Array(address.utf8), [], Array(mechanism.utf8)] + credentials
    }

    static func plain(_ user: String, _ password: String, domain: String = "", address: String = "127.0.0.1") -> [[UInt8]] {
        frames(domain: domain, address: address, mechanism: "PLAIN", credentials: [Array(user.utf8), Array(password.utf8)])
    }

    static let clientKey: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }

    /// The reply and event of an action that must be a reply.
    func reply(_ action: ZAPDecisionCore.Action, sourceLocation: SourceLocation = #_sourceLocation) throws -> (ZAPReply, AuthenticationEvent) {
        guard case .reply(let reply, let event) = action else {
            Issue.record("expected a reply, got \(action)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return (reply, event)
    }

    @Test("NULL is allowed by the default policy with the User-Id \"anonymous\"; the reply has six frames")
    func nullAllowed() throws {
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
        let (reply, event) = try reply(core.handle(Self.frames(mechanism: "NULL")))
        #expect(reply.status == .success)
        #expect(reply.userID == "anonymous")
        #expect(reply.frames.map(\.bytes) == [Array("1.0".utf8), Array("1".utf8), Array("200".utf8), Array("OK".utf8), Array("anonymous".utf8), []])
        #expect(event == AuthenticationEvent(
            peerAddress: "127.0.0.1", mechanism: .null, identity: nil, userID: "anonymous", domain: "", status: .success, reason: "OK"
        ))
    }

    @Test("NULL denied when the policy says so")
    func nullDenied() throws {
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(allowsNull: false)))
        let (reply, event) = try reply(core.handle(Self.frames(domain: "d", mechanism: "NULL")))
        #expect(reply.status == .authenticationFailure)
        #expect(reply.userID == "")
        #expect(event.reason == "NULL is not accepted in domain \"d\"")
        #expect(event.userID == nil)
    }

    @Test("PLAIN: the right password is allowed as its user; a wrong one and an unknown user are denied")
    func plain() throws {
        let policy = ZAPPolicy(plain: PlainPasswords(["alice": "secret", "bob": "other"]))
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: policy))
        let (allowed, allowedEvent) = try reply(core.handle(Self.plain("alice", "secret")))
        #expect(allowed.status == .success)
        #expect(allowed.userID == "alice")
        #expect(allowedEvent.identity == "alice")

        let (wrong, wrongEvent) = try reply(core.handle(Self.plain("alice", "secreT")))
        #expect(wrong.status == .authenticationFailure)
        #expect(wrongEvent.reason == "wrong password for user \"alice\"")
        #expect(wrongEvent.identity == "alice")
        #expect(!wrongEvent.description.contains("secreT"))

        let (_, unknownEvent) = try reply(core.handle(Self.plain("carol", "secret")))
        #expect(unknownEvent.status == .authenticationFailure)
        #expect(unknownEvent.reason == "unknown user \"carol\"")

        let (_, prefixEvent) = try reply(core.handle(Self.plain("alice", "secretX")))
        #expect(prefixEvent.status == .authenticationFailure)
        let (_, emptyEvent) = try reply(core.handle(Self.plain("alice", "")))
        #expect(emptyEvent.status == .authenticationFailure)
    }

    @Test("a PLAIN user name with a line break or control character cannot forge a log line", arguments: [
        "mallory\nINFO ZAP handshake allowed", "eve\r\u{1B}[2K", "nel\u{85}", "sep\u{2028}x", "tab\there",
    ])
    func userNameInLogs(name: String) throws {
        let policy = ZAPPolicy(plain: PlainPasswords(["alice": "secret", name: "other"]))
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: policy))
        func isOneLine(_ text: String) -> Bool {
            text.unicodeScalars.allSatisfy(Frame.isShownAsText)
        }
        // Unknown user: the name comes straight from the network.
        let (_, unknown) = try reply(core.handle(Self.plain(name + "!", "x")))
        #expect(unknown.identity == name + "!")  // the value itself is kept for the application
        #expect(isOneLine(unknown.reason), "\(unknown.reason.debugDescription)")
        #expect(isOneLine(unknown.description), "\(unknown.description.debugDescription)")
        #expect(unknown.reason.hasPrefix("unknown user <"))
        // A known user (names in a password file may hold anything) with a wrong password.
        let (_, wrong) = try reply(core.handle(Self.plain(name, "x")))
        #expect(isOneLine(wrong.reason) && isOneLine(wrong.description), "\(wrong.description.debugDescription)")
        #expect(wrong.reason.hasPrefix("wrong password for user <"))
    }

    @Test("PLAIN is denied where the policy has no passwords; with wrong credential frames too")
    func plainNotAccepted() throws {
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
        let (_, event) = try reply(core.handle(Self.plain("alice", "secret")))
        #expect(event.status == .authenticationFailure)
        #expect(event.reason == "PLAIN is not accepted in domain \"\"")
        let (_, short) = try reply(core.handle(Self.frames(mechanism: "PLAIN", credentials: [Array("alice".utf8)])))
        #expect(short.reason == "PLAIN credentials are 2 frames (user name, password), not 1")
    }

    @Test("CURVE: no rule denies; any key allows with the Z85 key as User-Id; a callback is consulted")
    func curve() throws {
        let request = Self.frames(mechanism: "CURVE", credentials: [Self.clientKey])
        let z85 = try CurvePublicKey(bytes: Self.clientKey).z85
        #expect(z85.count == 40)

        let none = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
        let (_, denied) = try reply(none.handle(request))
        #expect(denied.status == .authenticationFailure)
        #expect(denied.identity == z85)
        #expect(denied.reason == "CURVE is not accepted in domain \"\"")

        let any = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(curve: .anyKey)))
        let (allowed, allowedEvent) = try reply(any.handle(request))
        #expect(allowed.status == .success)
        #expect(allowed.userID == z85)
        #expect(allowedEvent.userID == z85)

        let asking = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(curve: .decidedBy { _ in .allow() })))
        guard case .consult(let consultation) = asking.handle(request) else {
            Issue.record("a callback rule must consult")
            return
        }
        #expect(consultation.client.publicKey.bytes == Self.clientKey)
        #expect(consultation.client.address == "127.0.0.1")

        let (named, namedEvent) = asking.complete(consultation, with: .success(.allow(userID: "alice", metadata: ["Role": "admin"])))
        #expect(named.userID == "alice")
        #expect(named.frames[5].bytes == [4] + Array("Role".utf8) + [0, 0, 0, 5] + Array("admin".utf8))
        #expect(namedEvent.identity == z85)
        #expect(namedEvent.userID == "alice")

        let (_, later) = asking.complete(consultation, with: .success(.retryLater(reason: "database busy")))
        #expect(later.status == .temporaryFailure)
        #expect(later.reason == "database busy")

        struct Unreachable: Error, CustomStringConvertible { var description: String { "database unreachable" } }
        let (failed, failedEvent) = asking.complete(consultation, with: .failure(Unreachable()))
        #expect(failed.status == .internalError)
        #expect(failedEvent.reason == "the CURVE callback failed: database unreachable")

        let listed = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(curve: .keys([try CurvePublicKey(bytes: Self.clientKey)]))))
        #expect(try reply(listed.handle(request)).0.userID == z85)
        let other = try CurvePublicKey(bytes: Array(repeating: 9, count: 32))
        let unlisted = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(curve: .keys([other]))))
        let (_, notListed) = try reply(unlisted.handle(request))
        #expect(notListed.status == .authenticationFailure)
        #expect(notListed.reason == "client key \(z85) is not allowed")

        let (_, badKey) = try reply(any.handle(Self.frames(mechanism: "CURVE", credentials: [[1, 2, 3]])))
        #expect(badKey.status == .authenticationFailure)
        #expect(badKey.reason == "CURVE credentials are one 32-byte key, not frames of [3] bytes")
    }

    @Test("addresses: an allow-list denies the rest (and ipc peers), a deny-list denies only its ranges")
    func addresses() throws {
        let allow = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(addresses: try .allowing(["10.0.0.0/8", "::1"]))))
        #expect(try reply(allow.handle(Self.frames(address: "10.200.3.4", mechanism: "NULL"))).1.status == .success)
        #expect(try reply(allow.handle(Self.frames(address: "::1", mechanism: "NULL"))).1.status == .success)
        #expect(try reply(allow.handle(Self.frames(address: "::ffff:10.1.1.1", mechanism: "NULL"))).1.status == .success)
        let (_, outside) = try reply(allow.handle(Self.frames(address: "11.0.0.1", mechanism: "NULL")))
        #expect(outside.status == .authenticationFailure)
        #expect(outside.reason == "address 11.0.0.1 is not allowed")
        let (_, ipc) = try reply(allow.handle(Self.frames(address: "localhost:0:0:42", mechanism: "NULL")))
        #expect(ipc.status == .authenticationFailure)

        let deny = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(addresses: try .denying(["127.0.0.0/8"]), plain: PlainPasswords(["a": "b"]))))
        let (_, denied) = try reply(deny.handle(Self.frames(address: "127.0.0.1", mechanism: "NULL")))
        #expect(denied.reason == "address 127.0.0.1 is denied (127.0.0.0/8)")
        #expect(try reply(deny.handle(Self.frames(address: "192.168.0.1", mechanism: "NULL"))).1.status == .success)
        #expect(try reply(deny.handle(Self.frames(address: "localhost:0:0:42", mechanism: "NULL"))).1.status == .success)
        // A denied address is denied even with the right password.
        #expect(try reply(deny.handle(Self.plain("a", "b"))).1.status == .authenticationFailure)
    }

    @Test("domains match exactly; the default policy takes the rest; without one the rest is denied")
    func domains() throws {
        let strict = ZAPPolicy(allowsNull: false)
        let withDefault = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(domains: ["secure": strict], defaultPolicy: ZAPPolicy()))
        #expect(try reply(withDefault.handle(Self.frames(domain: "secure", mechanism: "NULL"))).1.status == .authenticationFailure)
        #expect(try reply(withDefault.handle(Self.frames(domain: "Secure", mechanism: "NULL"))).1.status == .success)
        #expect(try reply(withDefault.handle(Self.frames(domain: "secure2", mechanism: "NULL"))).1.status == .success)
        #expect(try reply(withDefault.handle(Self.frames(domain: "", mechanism: "NULL"))).1.status == .success)

        let noDefault = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(domains: ["open": ZAPPolicy()]))
        #expect(try reply(noDefault.handle(Self.frames(domain: "open", mechanism: "NULL"))).1.status == .success)
        let (_, other) = try reply(noDefault.handle(Self.frames(domain: "", mechanism: "NULL")))
        #expect(other.status == .authenticationFailure)
        #expect(other.reason == "no policy for ZAP domain \"\"")
        #expect(other.domain == "")
    }

    @Test("malformed requests: answered with 400 when there is a request id, ignored otherwise")
    func malformed() throws {
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
        guard case .ignore(let reason) = core.handle([Array("garbage".utf8)]) else {
            Issue.record("one frame cannot be answered")
            return
        }
        #expect(reason == "a ZAP request has at least 6 frames, this one 1")

        let (short, shortEvent) = try reply(core.handle([Array("1.0".utf8), Array("7".utf8), []]))
        #expect(short.requestID == Array("7".utf8))
        #expect(short.status == .authenticationFailure)
        #expect(shortEvent.reason == "malformed ZAP request: a ZAP request has at least 6 frames, this one 3")

        let (_, version) = try reply(core.handle(Self.frames(mechanism: "NULL", version: "2.0")))
        #expect(version.reason == "malformed ZAP request: unsupported ZAP version \"2.0\"")

        var notUTF8 = Self.frames(mechanism: "NULL")
        notUTF8[3] = [0xFF, 0xFE]
        let (_, bad) = try reply(core.handle(notUTF8))
        #expect(bad.reason == "malformed ZAP request: the address frame is not UTF-8")

        let (_, gssapi) = try reply(core.handle(Self.frames(mechanism: "GSSAPI", credentials: [[1]])))
        #expect(gssapi.reason == "mechanism GSSAPI is not supported")
        #expect(try reply(core.handle(Self.frames(mechanism: "NULL", credentials: [[1]]))).1.status == .authenticationFailure)
    }

    @Test("random frames never crash the core", arguments: [UInt64(1), 2, 3])
    func randomFrames(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let core = ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(addresses: .anyAddress, plain: PlainPasswords(["a": "b"]), curve: .anyKey)))
        let words = ["1.0", "1", "NULL", "PLAIN", "CURVE", "", "127.0.0.1", "a", "b"]
        var answered = 0
        for _ in 0..<2000 {
            let count = Int(random.next() % 10)
            let frames: [[UInt8]] = (0..<count).map { _ in
                if random.next() % 2 == 0 { return Array(words[Int(random.next() % UInt64(words.count))].utf8) }
                return (0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            if case .reply = core.handle(frames) { answered += 1 }
        }
        #expect(answered > 0)
    }
}

@Suite("IP address ranges", .timeLimit(.minutes(1)))
struct IPAddressRangeTests {
    @Test("addresses and CIDR ranges parse and match")
    func matching() throws {
        let range = try IPAddressRange("192.168.1.77/24")
        #expect(range.description == "192.168.1.0/24")
        #expect(range.contains("192.168.1.1"))
        #expect(!range.contains("192.168.2.1"))
        #expect(range.contains("::ffff:192.168.1.9"))
        #expect(!range.contains("localhost:0:0:1"))
        #expect(try IPAddressRange("10.1.2.3").description == "10.1.2.3/32")
        #expect(try IPAddressRange("0.0.0.0/0").contains("8.8.8.8"))
        let v6 = try IPAddressRange("2001:db8::/32")
        #expect(v6.description == "2001:db8::/32")
        #expect(v6.contains("2001:db8:ffff::1"))
        #expect(v6.contains("[2001:db8::1]"))
        #expect(!v6.contains("2001:db9::1"))
        #expect(try IPAddressRange("fe80::/10").contains("fe80::1%eth0"))
        #expect(!(try IPAddressRange("::1")).contains("127.0.0.1"))
    }

    @Test("parse errors say what is wrong", arguments: [
        ("10.0.0.0/33", "\"10.0.0.0/33\": the prefix length 33 is out of range for IPv4 (0...32)"),
        ("::/129", "\"::/129\": the prefix length 129 is out of range for IPv6 (0...128)"),
        ("10.0.0.0/x", "\"10.0.0.0/x\": the prefix length \"x\" is not a number"),
        ("10.0.0.0/", "\"10.0.0.0/\": the prefix length \"\" is not a number"),
        ("10.0.0/8", "\"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address"),
        ("localhost", "\"localhost\": \"localhost\" is not an IPv4 or IPv6 address"),
        ("1.2.3.4/8/8", "\"1.2.3.4/8/8\": more than one \"/\""),
        ("", "\"\": \"\" is not an IPv4 or IPv6 address"),
    ])
    func errors(text: String, reason: String) {
        #expect {
            _ = try IPAddressRange(text)
        } throws: { error in
            (error as? ZeroMQError)?.reason == reason && (error as? ZeroMQError)?.code == .invalidArgument
        }
    }

    @Test("a rule's text entries must all parse")
    func ruleErrors() {
        #expect(throws: ZeroMQError.self) { _ = try AddressRule.allowing(["127.0.0.1", "nope"]) }
    }
}

@Suite("PLAIN passwords", .timeLimit(.minutes(1)))
struct PlainPasswordsTests {
    @Test("the file format: first colon splits, comments and blank lines skipped, CRLF accepted")
    func parsing() throws {
        let passwords = try PlainPasswords(parsing: "# users\nalice:s3cret\r\n\nbob:with:colons\n carol : spaced \n")
        #expect(passwords.users == [" carol ", "alice", "bob"])
        #expect(passwords.check(user: "alice", password: "s3cret"))
        #expect(passwords.check(user: "bob", password: "with:colons"))
        #expect(passwords.check(user: " carol ", password: " spaced "))
        #expect(!passwords.check(user: "carol", password: "spaced"))
        #expect(!passwords.check(user: "alice", password: "s3cret\r"))
        #expect(passwords.description == "PlainPasswords(3 users)")
    }

    @Test("errors name the line and never the password", arguments: [
        ("alice\n", "line 1: no colon: expected user:password"),
        ("a:b\n:pw\n", "line 2: the user name is empty"),
        ("a:b\na:c\n", "line 2: user \"a\" is listed twice"),
        ("a:$apr1$xyz$abc\n", "line 1: the password of \"a\" is hashed; PLAIN needs the clear-text password"),
    ])
    func errors(text: String, reason: String) {
        #expect {
            _ = try PlainPasswords(parsing: text, source: "users.txt")
        } throws: { error in
            let error = error as? ZeroMQError
            return error?.reason == reason && error?.operation == "read passwords users.txt"
        }
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect {
            _ = try PlainPasswords(contentsOfFile: "/nonexistent/zmq-passwords")
        } throws: { error in
            (error as? ZeroMQError)?.operation == "read passwords /nonexistent/zmq-passwords"
        }
    }

    @Test("constant-time equality is equality")
    func equality() {
        #expect(PlainPasswords.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PlainPasswords.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PlainPasswords.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(!PlainPasswords.constantTimeEqual([], [0]))
        #expect(!PlainPasswords.constantTimeEqual(Array(repeating: 0, count: 256), []))
        #expect(PlainPasswords.constantTimeEqual([], []))
    }
}

@Suite("Authentication events", .timeLimit(.minutes(1)))
struct AuthenticationEventBroadcasterTests {
    static func event(_ number: Int) -> AuthenticationEvent {
        AuthenticationEvent(peerAddress: "10.0.0.\(number)", mechanism: .null, identity: nil, userID: nil, domain: "", status: .authenticationFailure, reason: "r")
    }

    @Test("a slow subscriber keeps the newest events; drops are counted; publishing never waits")
    func dropOldest() async {
        let dropped = Locked(0)
        let broadcaster = AuthenticationEventBroadcaster(onDrop: { count in dropped.withLock { $0 += count } })
        let slow = broadcaster.subscribe(bufferingNewest: 2)
        let fast = broadcaster.subscribe(bufferingNewest: 10)
        for number in 1...5 { broadcaster.publish(Self.event(number)) }
        broadcaster.finish()
        var slowSeen: [String] = []
        for await event in slow { slowSeen.append(event.peerAddress) }
        var fastSeen: [String] = []
        for await event in fast { fastSeen.append(event.peerAddress) }
        #expect(slowSeen == ["10.0.0.4", "10.0.0.5"])
        #expect(fastSeen.count == 5)
        #expect(broadcaster.droppedCount == 3)
        #expect(dropped.withLock { $0 } == 3)
    }

    @Test("subscribing after finish ends at once; a cancelled subscriber is removed")
    func lifecycle() async {
        let broadcaster = AuthenticationEventBroadcaster()
        do {
            let stream = broadcaster.subscribe(bufferingNewest: 4)
            #expect(broadcaster.subscriberCount == 1)
            _ = stream
        }
        // The stream above was dropped: its termination removes it.
        #expect(broadcaster.subscriberCount == 0)
        broadcaster.finish()
        var count = 0
        for await _ in broadcaster.subscribe(bufferingNewest: 4) { count += 1 }
        #expect(count == 0)
    }
}
