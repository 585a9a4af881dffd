import CZeroMQ
import Testing
@testable import ZeroMQ

@Suite("CURVE keys: Z85 and bytes both ways, derivation, errors, redaction", .timeLimit(.minutes(2)))
struct CurveKeyTests {
    /// The server pair of RFC 26 (CurveZMQ) and libzmq's tests.
    static let rfcPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let rfcSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    @Test("RFC 32's example encodes and decodes")
    func rfc32Vector() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85Codec.encode(bytes) == "HelloWorld")
        #expect(try Z85Codec.decode("HelloWorld").get() == bytes)
    }

    @Test("generated keys round-trip through Z85 and bytes, and match libzmq's codec")
    func roundTrips() throws {
        for _ in 0..<50 {
            let pair = try CurveKeyPair.generate()
            #expect(pair.publicKey.z85.count == 40)
            #expect(pair.secretKey.z85.count == 40)
            #expect(try CurvePublicKey(z85: pair.publicKey.z85) == pair.publicKey)
            #expect(try CurvePublicKey(bytes: pair.publicKey.bytes) == pair.publicKey)
            #expect(try CurveSecretKey(z85: pair.secretKey.z85) == pair.secretKey)
            #expect(try CurveSecretKey(bytes: pair.secretKey.bytes) == pair.secretKey)
            #expect(pair.publicKey.bytes != pair.secretKey.bytes)
            // libzmq's own Z85 agrees with ours both ways.
            var text = [CChar](repeating: 0, count: 41)
            let encoded = pair.publicKey.bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, 32) }
            #expect(encoded != nil)
            #expect(String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self) == pair.publicKey.z85)
            var decoded = [UInt8](repeating: 0, count: 32)
            #expect(zmq_z85_decode(&decoded, pair.secretKey.z85) != nil)
            #expect(decoded == pair.secretKey.bytes)
        }
    }

    @Test("two generated pairs differ")
    func generatedPairsDiffer() throws {
        let first = try CurveKeyPair.generate(), second = try CurveKeyPair.generate()
        #expect(first.publicKey != second.publicKey)
        #expect(first.secretKey != second.secretKey)
    }

    @Test("the public key derived from a generated secret key is the generated public key")
    func derivationMatchesGeneration() throws {
        for _ in 0..<20 {
            let pair = try CurveKeyPair.generate()
            #expect(try CurvePublicKey(derivedFrom: pair.secretKey) == pair.publicKey)
            #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
            #expect(try CurveKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey) == pair)
        }
        let rfc = try CurveKeyPair(secretKey: CurveSecretKey(z85: Self.rfcSecret))
        #expect(rfc.publicKey.z85 == Self.rfcPublic)
    }

    @Test("a public key that is not the secret key's is refused, naming the secret key's public key only")
    func mismatch() throws {
        let one = try CurveKeyPair.generate(), other = try CurveKeyPair.generate()
        let error = #expect(throws: SecurityError.self) {
            try CurveKeyPair(publicKey: other.publicKey, secretKey: one.secretKey)
        }
        #expect(error?.code == .keyMismatch)
        #expect(error?.description.contains(one.publicKey.z85) == true)
        #expect(error?.description.contains(one.secretKey.z85) == false)
        // The key given is not repeated: it may be a secret key pasted into the wrong place (found
        // by the certificates fuzz target: a file whose public-key held its secret key's text).
        #expect(error?.description.contains(other.publicKey.z85) == false)
        let pasted = try CurvePublicKey(z85: other.secretKey.z85)
        let pastedError = #expect(throws: SecurityError.self) { try CurveKeyPair(publicKey: pasted, secretKey: other.secretKey) }
        #expect(pastedError?.description.contains(other.secretKey.z85) == false, "\(String(describing: pastedError))")
    }

    static let malformedPublic: [(String, String)] = [
        (String(rfcPublic.dropLast()), "CURVE public key: 39 characters; a CURVE key in Z85 is 40"),
        (rfcPublic + "1", "CURVE public key: 41 characters; a CURVE key in Z85 is 40"),
        (rfcPublic + "12345", "CURVE public key: 45 characters; a CURVE key in Z85 is 40"),
        ("", "CURVE public key: 0 characters; a CURVE key in Z85 is 40"),
        (String(rfcPublic.prefix(16)) + "~" + String(rfcPublic.dropFirst(17)),
         "CURVE public key: character 17 of 40 is '~', which is not in the Z85 alphabet"),
        (rfcPublic + "\n", "CURVE public key: character 41 of 41 is U+000A (a line break), which is not in the Z85 alphabet"),
        (" " + rfcPublic, "CURVE public key: character 1 of 41 is U+0020 (a space), which is not in the Z85 alphabet"),
        (String(rfcPublic.prefix(3)) + "é" + String(rfcPublic.dropFirst(4)),
         "CURVE public key: character 4 of 40 is U+00E9, which is not in the Z85 alphabet"),
        (String(rfcPublic.prefix(35)) + "#####",
         "CURVE public key: characters 36-40 encode a number above 2^32-1, which is not valid Z85"),
    ]

    @Test("malformed Z85 text is refused with what and where", arguments: malformedPublic)
    func malformedPublicText(text: String, expected: String) {
        let error = #expect(throws: SecurityError.self) { try CurvePublicKey(z85: text) }
        #expect(error?.code == .invalidKey)
        #expect(error?.description == expected)
    }

    @Test("a malformed secret key's error says where, and never repeats the key")
    func malformedSecretText() throws {
        let secret = Self.rfcSecret
        let cases: [(String, String)] = [
        (String(secret.dropLast()), "CURVE secret key: 39 characters; a CURVE key in Z85 is 40"),
        (String(secret.prefix(9)) + "\"" + String(secret.dropFirst(10)),
         "CURVE secret key: character 10 of 40 is '\"', which is not in the Z85 alphabet"),
        ("#####" + String(secret.dropFirst(5)),
         "CURVE secret key: characters 1-5 encode a number above 2^32-1, which is not valid Z85"),
    ]
        for (text, expected) in cases {
            let error = #expect(throws: SecurityError.self) { try CurveSecretKey(z85: text) }
            #expect(error?.description == expected)
            // No run of 5 characters of the secret appears in the message.
            let message = error?.description ?? ""
            let characters = Array(secret)
            for start in 0...(characters.count - 5) {
                #expect(!message.contains(String(characters[start..<start + 5])))
            }
        }
    }

    @Test("raw keys must be 32 bytes", arguments: [0, 1, 31, 33, 40, 64])
    func wrongByteCount(count: Int) {
        let bytes = [UInt8](repeating: 7, count: count)
        let publicError = #expect(throws: SecurityError.self) { try CurvePublicKey(bytes: bytes) }
        #expect(publicError?.description == "CURVE public key: \(count) bytes; a CURVE key is 32 bytes")
        let secretError = #expect(throws: SecurityError.self) { try CurveSecretKey(bytes: bytes) }
        #expect(secretError?.description == "CURVE secret key: \(count) bytes; a CURVE key is 32 bytes")
    }

    @Test("a secret key is redacted in description, debugDescription, interpolation and dump")
    func redaction() throws {
        let pair = try CurveKeyPair(secretKey: CurveSecretKey(z85: Self.rfcSecret))
        var dumped = ""
        dump(pair, to: &dumped)
        var dumpedKey = ""
        dump(pair.secretKey, to: &dumpedKey)
        let renderings = [
            pair.secretKey.description, pair.secretKey.debugDescription, "\(pair.secretKey)",
            String(reflecting: pair.secretKey), pair.description, pair.debugDescription, "\(pair)",
            String(reflecting: pair), "\([pair])", dumped, dumpedKey,
    ]
        let secretBytes = pair.secretKey.bytes.map(String.init).joined(separator: ", ")
        for text in renderings {
            #expect(!text.contains(Self.rfcSecret), "secret in \(text)")
            #expect(!text.contains(secretBytes), "secret bytes in \(text)")
        }
        #expect(pair.secretKey.description == "CurveSecretKey(<redacted>)")
        #expect(pair.description == "CurveKeyPair(public: \(Self.rfcPublic), secret: <redacted>)")
        #expect(pair.publicKey.description == Self.rfcPublic)
        #expect(pair.publicKey.debugDescription == "CurvePublicKey(\(Self.rfcPublic))")
    }

    @Test("keys are Hashable: equal keys hash alike and dedupe in a set")
    func hashable() throws {
        let pair = try CurveKeyPair.generate()
        let again = try CurveKeyPair(secretKey: CurveSecretKey(z85: pair.secretKey.z85))
        #expect(Set([pair.publicKey, again.publicKey]).count == 1)
        #expect(Set([pair.secretKey, again.secretKey]).count == 1)
        #expect(Set([pair, again]).count == 1)
    }

    @Test("the authenticator flag on a context starts false and follows its setter")
    func authenticatorFlag() async throws {
        try await withDeadline {
            let context = try makeContext()
            #expect(!context.isAuthenticatorInstalled)
            context.setAuthenticatorInstalled(true)
            #expect(context.isAuthenticatorInstalled)
            context.setAuthenticatorInstalled(false)
            #expect(!context.isAuthenticatorInstalled)
            await context.shutdown()
        }
    }
}
