import CZeroMQ

/// A CURVE public key: 32 bytes, usually written as 40 characters of Z85 text.
///
/// Public keys are meant to be shared: a server's public key goes to its clients, a client's
/// public key into the server's allow-list (``CertificateStore``). Its ``description`` is the
/// Z85 text.
///
/// ```swift
/// let serverKey = try CurvePublicKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
/// try await client.setSecurity(.curveClient(serverKey: serverKey, clientKeys: try .generate()))
/// ```
public struct CurvePublicKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A CURVE key's length in bytes: 32.
    public static let byteCount = 32
    /// A CURVE key's length as Z85 text: 40 characters.
    public static let z85Length = 40

    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// A key from its 32 bytes.
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/invalidKey`` when `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(SecurityError) {
        self.bytes = try CurveKeyText.checkedBytes(bytes, kind: "CURVE public key")
    }

    /// A key from its 40 characters of Z85 text.
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/invalidKey`` naming the first character
    ///   outside the Z85 alphabet and its position, or the wrong length.
    public init(z85: some StringProtocol) throws(SecurityError) {
        self.bytes = try CurveKeyText.decode(z85, kind: "CURVE public key")
    }

    /// The public key of `secretKey` (`zmq_curve_public`).
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/curveUnavailable`` when libzmq was built
    ///   without CURVE.
    public init(derivedFrom secretKey: CurveSecretKey) throws(SecurityError) {
        var secretText = Array(secretKey.z85.utf8CString)
        defer { CurveKeyText.wipe(&secretText) }
        var publicText = [CChar](repeating: 0, count: CurvePublicKey.z85Length + 1)
        let rc = secretText.withUnsafeBufferPointer { secret in
            publicText.withUnsafeMutableBufferPointer { zmq_curve_public($0.baseAddress, secret.baseAddress) }
        }
        guard rc == 0 else { throw CurveKeyText.unavailable("zmq_curve_public") }
        try self.init(z85: String(decoding: publicText.prefix(CurvePublicKey.z85Length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The key as 40 characters of Z85 text.
    public var z85: String { Z85Codec.encode(bytes) }

    /// The Z85 text.
    public var description: String { z85 }

    /// `CurvePublicKey(<Z85 text>)`.
    public var debugDescription: String { "CurvePublicKey(\(z85))" }
}

/// A CURVE secret key: 32 bytes, usually written as 40 characters of Z85 text.
///
/// A secret key never appears in ``description``, ``debugDescription``, `dump`, logs or error
/// messages: all print `CurveSecretKey(<redacted>)`. Read ``z85`` or ``bytes`` only to store
/// the key (``Certificate/write(to:)`` does that with mode 0600). Two keys compare in constant
/// time.
public struct CurveSecretKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The key's 32 bytes. Keep them secret.
    public let bytes: [UInt8]

    /// A key from its 32 bytes.
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/invalidKey`` when `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(SecurityError) {
        self.bytes = try CurveKeyText.checkedBytes(bytes, kind: "CURVE secret key")
    }

    /// A key from its 40 characters of Z85 text.
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/invalidKey`` naming the first character
    ///   outside the Z85 alphabet and its position, or the wrong length. The error never
    ///   repeats the text.
    public init(z85: some StringProtocol) throws(SecurityError) {
        self.bytes = try CurveKeyText.decode(z85, kind: "CURVE secret key")
    }

    /// The key as 40 characters of Z85 text. Keep it secret.
    public var z85: String { Z85Codec.encode(bytes) }

    /// `CurveSecretKey(<redacted>)`: never the key.
    public var description: String { "CurveSecretKey(<redacted>)" }

    /// `CurveSecretKey(<redacted>)`: never the key.
    public var debugDescription: String { description }

    /// No children, so that `dump` and reflection do not show the bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Constant time: how many leading bytes match is not visible in the time taken.
    public static func == (lhs: CurveSecretKey, rhs: CurveSecretKey) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.bytes.indices { difference |= lhs.bytes[index] ^ rhs.bytes[index] }
        return difference == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }
}

/// A CURVE key pair: a public key and the secret key it belongs to.
///
/// ```swift
/// let server = try CurveKeyPair.generate()
/// print(server.publicKey)      // share this with clients
/// print(server)                // CurveKeyPair(public: rq:rM>..., secret: <redacted>)
/// ```
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The public key, to share.
    public let publicKey: CurvePublicKey
    /// The secret key, to keep.
    public let secretKey: CurveSecretKey

    /// A new random key pair (`zmq_curve_keypair`, libsodium's random source).
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/curveUnavailable`` when libzmq was built
    ///   without CURVE.
    public static func generate() throws(SecurityError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: CurvePublicKey.z85Length + 1)
        var secretText = [CChar](repeating: 0, count: CurvePublicKey.z85Length + 1)
        defer { CurveKeyText.wipe(&secretText) }
        let rc = publicText.withUnsafeMutableBufferPointer { publicBuffer in
            secretText.withUnsafeMutableBufferPointer { zmq_curve_keypair(publicBuffer.baseAddress, $0.baseAddress) }
        }
        guard rc == 0 else { throw CurveKeyText.unavailable("zmq_curve_keypair") }
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix(CurvePublicKey.z85Length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return CurveKeyPair(
            verifiedPublicKey: try CurvePublicKey(z85: text(publicText)),
            secretKey: try CurveSecretKey(z85: text(secretText))
        )
    }

    /// The pair of `secretKey`, its public key derived from it (`zmq_curve_public`).
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/curveUnavailable`` when libzmq was built
    ///   without CURVE.
    public init(secretKey: CurveSecretKey) throws(SecurityError) {
        self.publicKey = try CurvePublicKey(derivedFrom: secretKey)
        self.secretKey = secretKey
    }

    /// A pair from both keys, checking that `publicKey` is the public key of `secretKey`.
    ///
    /// - Throws: ``SecurityError/Code-swift.struct/keyMismatch`` when it is not (the error
    ///   names the secret key's own public key, not the one given: that one may be a secret key
    ///   pasted into the wrong place); ``SecurityError/Code-swift.struct/curveUnavailable`` when
    ///   libzmq was built without CURVE.
    public init(publicKey: CurvePublicKey, secretKey: CurveSecretKey) throws(SecurityError) {
        let derived = try CurvePublicKey(derivedFrom: secretKey)
        guard derived == publicKey else {
            throw SecurityError(
                code: .keyMismatch,
                reason: "the public key given is not the public key of the secret key given with it (that is \(derived))"
            )
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Both keys as they are, already known to belong together.
    init(verifiedPublicKey publicKey: CurvePublicKey, secretKey: CurveSecretKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// `CurveKeyPair(public: <Z85>, secret: <redacted>)`.
    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <redacted>)" }

    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// Parsing and checks shared by both key types.
enum CurveKeyText {
    static func checkedBytes(_ bytes: some Collection<UInt8>, kind: String) throws(SecurityError) -> [UInt8] {
        guard bytes.count == CurvePublicKey.byteCount else {
            throw SecurityError(
                code: .invalidKey,
                reason: "\(kind): \(bytes.count) bytes; a CURVE key is \(CurvePublicKey.byteCount) bytes"
            )
        }
        return Array(bytes)
    }

    static func decode(_ text: some StringProtocol, kind: String) throws(SecurityError) -> [UInt8] {
        switch Z85Codec.decode(text) {
        case .success(let bytes) where bytes.count == CurvePublicKey.byteCount:
            return bytes
        case .success, .failure(.length):
            throw SecurityError(
                code: .invalidKey,
                reason: "\(kind): \(text.count) characters; a CURVE key in Z85 is \(CurvePublicKey.z85Length)"
            )
        case .failure(.character(let character, let position)):
            throw SecurityError(
                code: .invalidKey,
                reason: "\(kind): character \(position) of \(text.count) is \(Z85Codec.describe(character)), "
                    + "which is not in the Z85 alphabet"
            )
        case .failure(.overflow(let position)):
            throw SecurityError(
                code: .invalidKey,
                reason: "\(kind): characters \(position)-\(position + 4) encode a number above 2^32-1, "
                    + "which is not valid Z85"
            )
        }
    }

    static func unavailable(_ function: String) -> SecurityError {
        SecurityError(
            code: .curveUnavailable,
            reason: "\(function) failed: this libzmq was built without CURVE (libsodium)",
            errno: zmq_errno()
        )
    }

    /// Overwrites a buffer that held secret text (best effort: copies made elsewhere remain).
    static func wipe(_ buffer: inout [CChar]) {
        for index in buffer.indices { buffer[index] = 0 }
    }
}
