#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, or a CIDR range of them, for ``AddressRule``.
///
/// ```swift
/// let loopback = try IPAddressRange("127.0.0.0/8")
/// let host = try IPAddressRange("192.168.1.20")      // the same as "192.168.1.20/32"
/// let local = try IPAddressRange("fe80::/10")
/// ```
///
/// An IPv4 range also matches IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1` is `10.0.0.1`),
/// which is how a dual-stack (``SocketOption/ipv6``) server sees IPv4 peers. A zone (`%eth0`) in
/// a peer's address is ignored. Addresses that are not IP addresses, such as the
/// `localhost:UID:GID:PID` of ipc peers, match no range.
public struct IPAddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The network's bytes (4 for IPv4, 16 for IPv6), host bits cleared.
    public let network: [UInt8]
    /// How many leading bits must match: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Whether the range is of IPv4 addresses.
    public var isIPv4: Bool { network.count == 4 }

    /// Parses an address (`10.1.2.3`, `::1`) or a CIDR range (`10.0.0.0/8`, `2001:db8::/32`).
    ///
    /// Host bits set in a range (`10.0.0.1/8`) are cleared, as most tools do.
    ///
    /// - Throws: ``ZeroMQError`` with ``ZeroMQError/Code-swift.struct/invalidArgument`` naming
    ///   the text and what is wrong with it: not an address, a prefix that is not a number, or
    ///   one out of range for the family.
    public init(_ text: String) throws(ZeroMQError) {
        func failure(_ why: String) -> ZeroMQError {
            ZeroMQError(code: .invalidArgument, operation: "parse IP address range", reason: "\"\(text)\": \(why)")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw failure("more than one \"/\"") }
        let addressText = String(parts[0])
        guard let address = Self.parseAddress(addressText) else {
            throw failure("\"\(addressText)\" is not an IPv4 or IPv6 address")
        }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            let prefixText = parts[1]
            guard !prefixText.isEmpty, prefixText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(prefixText) else {
                throw failure("the prefix length \"\(prefixText)\" is not a number")
            }
            guard number <= bits else {
                throw failure("the prefix length \(number) is out of range for \(bits == 32 ? "IPv4" : "IPv6") (0...\(bits))")
            }
            prefix = number
        }
        network = Self.masked(address, prefix)
        prefixLength = prefix
    }

    /// Whether `address` (a peer address as ZAP gives it) is in the range.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.parsePeerAddress(address) else { return false }
        return contains(bytes: bytes)
    }

    /// Whether the parsed address bytes are in the range (IPv4-mapped IPv6 counted as IPv4).
    func contains(bytes: [UInt8]) -> Bool {
        var bytes = bytes
        if isIPv4, bytes.count == 16, bytes.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            bytes = Array(bytes.suffix(4))
        }
        guard bytes.count == network.count else { return false }
        return Self.masked(bytes, prefixLength) == network
    }

    /// `10.0.0.0/8`, `::1/128`.
    public var description: String {
        "\(Self.format(network))/\(prefixLength)"
    }

    /// An address's bytes, or `nil`: IPv4 (dotted quad) or IPv6, through `inet_pton`.
    static func parseAddress(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// A peer's address: like ``parseAddress(_:)``, also taking `[::1]` and dropping a zone.
    static func parsePeerAddress(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        return parseAddress(String(text))
    }

    private static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(max(prefix - index * 8, 0), 8)
            return kept == 8 ? byte : byte & ~(UInt8.max >> kept)
        }
    }

    private static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else {
            return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Which peer addresses may connect: anyone, only those allowed, or all but those denied.
///
/// Allowing and denying are exclusive, as in libzmq's and pyzmq's reference handlers: a rule
/// is one or the other, never both. The address check comes first; a peer that passes it must
/// still pass its mechanism's check (PLAIN password, CURVE key).
public enum AddressRule: Sendable, Hashable, CustomStringConvertible {
    /// Every address (the default).
    case anyAddress
    /// Only addresses in one of the ranges; every other address, and every address that is not
    /// an IP address (ipc peers), is denied.
    case allow([IPAddressRange])
    /// Every address except those in one of the ranges.
    case deny([IPAddressRange])

    /// Only the addresses or ranges given as text.
    ///
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/invalidArgument``) naming the
    ///   first entry that does not parse.
    public static func allowing(_ entries: [String]) throws(ZeroMQError) -> AddressRule {
        .allow(try parse(entries))
    }

    /// Every address except the addresses or ranges given as text.
    ///
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/invalidArgument``) naming the
    ///   first entry that does not parse.
    public static func denying(_ entries: [String]) throws(ZeroMQError) -> AddressRule {
        .deny(try parse(entries))
    }

    private static func parse(_ entries: [String]) throws(ZeroMQError) -> [IPAddressRange] {
        var ranges: [IPAddressRange] = []
        for entry in entries { ranges.append(try IPAddressRange(entry)) }
        return ranges
    }

    /// `nil` when `address` passes, otherwise why it does not.
    func refusal(of address: String) -> String? {
        switch self {
        case .anyAddress:
            return nil
        case .allow(let ranges):
            guard let bytes = IPAddressRange.parsePeerAddress(address) else {
                return "address \(address) is not an IP address, and only listed addresses are allowed"
            }
            return ranges.contains { $0.contains(bytes: bytes) } ? nil : "address \(address) is not allowed"
        case .deny(let ranges):
            guard let bytes = IPAddressRange.parsePeerAddress(address) else { return nil }
            guard let range = ranges.first(where: { $0.contains(bytes: bytes) }) else { return nil }
            return "address \(address) is denied (\(range))"
        }
    }

    public var description: String {
        switch self {
        case .anyAddress: "any address"
        case .allow(let ranges): "allow \(ranges.map(\.description).joined(separator: ", "))"
        case .deny(let ranges): "deny \(ranges.map(\.description).joined(separator: ", "))"
        }
    }
}
