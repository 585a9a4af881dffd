import CZeroMQ

/// Which beacon sent a datagram: 16 random bytes drawn when a ``Beacon`` is made.
///
/// Two beacons on one host (or in one process) have different instances, so a listener tells
/// them apart, and a beacon recognises (and by default ignores) its own datagrams.
public struct BeaconInstanceID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes, in wire order.
    public let bytes: [UInt8]

    /// The instance made of `bytes`, which must be exactly 16 bytes; `nil` otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A new random instance.
    public static func random() -> BeaconInstanceID {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return BeaconInstanceID(checked: bytes)
    }

    private init(checked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The length of an instance id on the wire.
    public static let byteCount = 16

    /// The bytes in lower-case hexadecimal.
    public var description: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}

/// One beacon datagram, version 1 (Docs/Discovery.md has the layout byte by byte).
///
/// ```
/// offset  size  field
///      0     4  prefix "ZBCN" (0x5A 0x42 0x43 0x4E)
///      4     1  version, 1
///      5     1  flags: bit 0 a public key follows the name, bit 1 goodbye; bits 2-7 zero
///      6    16  instance id of the sending beacon
///     22     2  TCP port of the service, big-endian, 1...65535
///     24     1  N, the length of the service name in bytes, 1...255
///     25     N  service name, UTF-8, no control characters
///   25+N    32  the service's CURVE public key, raw (only with flag bit 0)
/// ```
///
/// The length is exact: 25 + N bytes, or 57 + N with a key. Anything else is rejected by
/// ``init(decoding:)`` with a ``BeaconFrameError`` that says why.
///
/// A beacon is not authenticated: anyone on the network can send one (see ``Beacon``).
public struct BeaconFrame: Sendable, Hashable {
    /// The four bytes every beacon starts with: `ZBCN`.
    public static let prefix: [UInt8] = [0x5A, 0x42, 0x43, 0x4E]
    /// The version this library writes and reads.
    public static let version: UInt8 = 1
    /// Flag bit 0: a 32-byte public key follows the service name.
    static let keyFlag: UInt8 = 0b01
    /// Flag bit 1: the service is going away (sent once when a beacon stops publishing).
    static let goodbyeFlag: UInt8 = 0b10
    /// The bytes before the service name.
    static let headerLength = 25
    /// The length of a CURVE public key.
    public static let publicKeyLength = 32
    /// The longest service name, in UTF-8 bytes.
    public static let maximumServiceNameLength = 255
    /// The longest valid datagram: a 255-byte name and a key.
    public static let maximumLength = headerLength + maximumServiceNameLength + publicKeyLength

    /// The beacon that sent it.
    public var instance: BeaconInstanceID
    /// The name the service is announced under.
    public var serviceName: String
    /// The TCP port the service listens on, at the datagram's source address.
    public var port: UInt16
    /// The service's CURVE public key (32 raw bytes), when announced. Unauthenticated: check it
    /// with CURVE (connect with it as the server key), never trust it by itself.
    public var publicKey: [UInt8]?
    /// Whether this is the last beacon of the service (it stopped publishing).
    public var isGoodbye: Bool

    /// A frame with these fields; ``encoded()`` checks them.
    public init(instance: BeaconInstanceID, serviceName: String, port: UInt16, publicKey: [UInt8]? = nil, isGoodbye: Bool = false) {
        self.instance = instance
        self.serviceName = serviceName
        self.port = port
        self.publicKey = publicKey
        self.isGoodbye = isGoodbye
    }

    /// Why fields cannot be sent, or `nil` when they can: the same rules ``init(decoding:)``
    /// applies to what it receives.
    static func problem(serviceName: String, port: UInt16, publicKey: [UInt8]?) -> BeaconFrameError.Reason? {
        let name = Array(serviceName.utf8)
        if port == 0 { return .zeroPort }
        if name.isEmpty { return .emptyServiceName }
        if name.count > maximumServiceNameLength { return .serviceNameTooLong(name.count) }
        if serviceName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .controlCharacterInServiceName
        }
        if let publicKey, publicKey.count != publicKeyLength { return .wrongPublicKeyLength(publicKey.count) }
        return nil
    }

    /// The datagram's bytes.
    ///
    /// - Throws: ``BeaconFrameError`` when a field cannot be sent: port 0, an empty or too long
    ///   service name, a control character in it, a key that is not 32 bytes.
    public func encoded() throws(BeaconFrameError) -> [UInt8] {
        if let reason = Self.problem(serviceName: serviceName, port: port, publicKey: publicKey) {
            throw BeaconFrameError(reason: reason, byteCount: 0)
        }
        let name = Array(serviceName.utf8)
        var bytes = Self.prefix
        bytes.reserveCapacity(Self.headerLength + name.count + (publicKey == nil ? 0 : Self.publicKeyLength))
        bytes.append(Self.version)
        bytes.append((publicKey == nil ? 0 : Self.keyFlag) | (isGoodbye ? Self.goodbyeFlag : 0))
        bytes += instance.bytes
        bytes.append(UInt8(port >> 8))
        bytes.append(UInt8(port & 0xFF))
        bytes.append(UInt8(name.count))
        bytes += name
        if let publicKey { bytes += publicKey }
        return bytes
    }

    /// Decodes a received datagram.
    ///
    /// Never traps: every byte string either decodes or throws.
    ///
    /// - Throws: ``BeaconFrameError`` naming the first rule the bytes break (see
    ///   ``BeaconFrameError/Reason``).
    public init(decoding datagram: some Collection<UInt8>) throws(BeaconFrameError) {
        let bytes = Array(datagram)
        func fail(_ reason: BeaconFrameError.Reason) -> BeaconFrameError {
            BeaconFrameError(reason: reason, byteCount: bytes.count)
        }
        if bytes.count < Self.prefix.count, !bytes.isEmpty, Self.prefix.starts(with: bytes) {
            throw fail(.truncated(expected: Self.headerLength + 1))
        }
        guard bytes.count >= Self.prefix.count, Array(bytes[0..<Self.prefix.count]) == Self.prefix else {
            throw fail(.foreignPrefix)
        }
        guard bytes.count > 4 else { throw fail(.truncated(expected: Self.headerLength + 1)) }
        guard bytes[4] == Self.version else { throw fail(.unsupportedVersion(bytes[4])) }
        guard bytes.count >= Self.headerLength else { throw fail(.truncated(expected: Self.headerLength + 1)) }
        let flags = bytes[5]
        guard flags & ~(Self.keyFlag | Self.goodbyeFlag) == 0 else { throw fail(.reservedFlags(flags)) }
        let port = UInt16(bytes[22]) << 8 | UInt16(bytes[23])
        let nameLength = Int(bytes[24])
        let hasKey = flags & Self.keyFlag != 0
        let expected = Self.headerLength + nameLength + (hasKey ? Self.publicKeyLength : 0)
        guard bytes.count >= expected else { throw fail(.truncated(expected: expected)) }
        guard bytes.count == expected else { throw fail(.trailingBytes(expected: expected)) }
        guard port != 0 else { throw fail(.zeroPort) }
        guard nameLength > 0 else { throw fail(.emptyServiceName) }
        let nameBytes = bytes[Self.headerLength..<(Self.headerLength + nameLength)]
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw fail(.serviceNameNotUTF8) }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw fail(.controlCharacterInServiceName)
        }
        // 16 bytes by the length check above.
        guard let instance = BeaconInstanceID(bytes: Array(bytes[6..<22])) else { throw fail(.truncated(expected: expected)) }
        self.instance = instance
        self.serviceName = name
        self.port = port
        self.publicKey = hasKey ? Array(bytes[(Self.headerLength + nameLength)...]) : nil
        self.isGoodbye = flags & Self.goodbyeFlag != 0
    }
}

/// Why a datagram is not a beacon this library accepts, or why fields cannot be sent.
public struct BeaconFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule that was broken.
    public enum Reason: Sendable, Hashable {
        /// The datagram does not start with `ZBCN`: another protocol on the port.
        case foreignPrefix
        /// A version this library does not read.
        case unsupportedVersion(UInt8)
        /// Shorter than its header says (`expected` bytes at least).
        case truncated(expected: Int)
        /// Longer than its header says (`expected` bytes exactly).
        case trailingBytes(expected: Int)
        /// A flag bit this version does not define is set.
        case reservedFlags(UInt8)
        /// The service's port is 0.
        case zeroPort
        /// The service name is empty.
        case emptyServiceName
        /// The service name is longer than 255 bytes (only when sending).
        case serviceNameTooLong(Int)
        /// The service name is not valid UTF-8.
        case serviceNameNotUTF8
        /// The service name contains a control character (a newline, say).
        case controlCharacterInServiceName
        /// A public key that is not 32 bytes (only when sending).
        case wrongPublicKeyLength(Int)
    }

    /// The rule that was broken.
    public var reason: Reason
    /// The datagram's length (0 when encoding).
    public var byteCount: Int

    /// Makes an error value.
    public init(reason: Reason, byteCount: Int) {
        self.reason = reason
        self.byteCount = byteCount
    }

    public var description: String {
        let what: String
        switch reason {
        case .foreignPrefix: what = "does not start with the prefix ZBCN (not a beacon of this library)"
        case .unsupportedVersion(let version): what = "has version \(version); this library reads version \(BeaconFrame.version)"
        case .truncated(let expected): what = "is truncated: \(byteCount) bytes, at least \(expected) expected"
        case .trailingBytes(let expected): what = "has trailing bytes: \(byteCount) bytes, \(expected) expected"
        case .reservedFlags(let flags): what = "sets reserved flag bits (flags 0x\(String(flags, radix: 16)))"
        case .zeroPort: what = "announces port 0"
        case .emptyServiceName: what = "has an empty service name"
        case .serviceNameTooLong(let length): what = "has a service name of \(length) bytes; at most 255"
        case .serviceNameNotUTF8: what = "has a service name that is not valid UTF-8"
        case .controlCharacterInServiceName: what = "has a control character in its service name"
        case .wrongPublicKeyLength(let length): what = "has a public key of \(length) bytes; a CURVE public key is 32"
        }
        return "beacon \(what)"
    }
}
