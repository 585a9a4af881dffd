#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's network interfaces, as `getifaddrs` reports them: enough to tell whether a
/// pgm/epgm endpoint's interface can do multicast before OpenPGM is asked (which answers only
/// `EINVAL`, and prints warnings of its own to stderr).
struct NetworkInterface: Sendable {
    var name: String
    var isUp: Bool
    var isLoopback: Bool
    var canMulticast: Bool
    /// The interface's IPv4 and IPv6 addresses, as text.
    var addresses: [String]

    /// Whether a multicast transport can use it.
    var isMulticastReady: Bool { isUp && canMulticast && !isLoopback }

    /// Every interface, one entry per name.
    static func all() -> [NetworkInterface] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var interfaces: [NetworkInterface] = []
        var entry = list
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            let name = String(cString: current.pointee.ifa_name)
            let flags = UInt32(current.pointee.ifa_flags)
            let index = interfaces.firstIndex { $0.name == name } ?? {
                interfaces.append(NetworkInterface(
                    name: name,
                    isUp: flags & UInt32(IFF_UP) != 0,
                    isLoopback: flags & UInt32(IFF_LOOPBACK) != 0,
                    canMulticast: flags & UInt32(IFF_MULTICAST) != 0,
                    addresses: []
                ))
                return interfaces.count - 1
            }()
            if let address = current.pointee.ifa_addr.flatMap(Self.text(of:)) {
                interfaces[index].addresses.append(address)
            }
        }
        return interfaces
    }

    /// The numeric text of an IPv4 or IPv6 socket address; nil for other families.
    private static func text(of address: UnsafeMutablePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let result = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                withUnsafePointer(to: ipv4.pointee.sin_addr) { inet_ntop(AF_INET, $0, &buffer, socklen_t(buffer.count)) }
            }
            guard result != nil else { return nil }
        case AF_INET6:
            let result = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                withUnsafePointer(to: ipv6.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &buffer, socklen_t(buffer.count)) }
            }
            guard result != nil else { return nil }
        default:
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Checks a pgm/epgm address (`interface;group:port`) against the machine before OpenPGM sees it.
enum MulticastEndpoint {
    /// Throws a sentence when the interface does not exist or cannot multicast, or when the
    /// group is an IPv4 address outside 224.0.0.0/4.
    static func validate(
        interface: String, group: String, transport: String, invalid: (String) -> ZeroMQError
    ) throws(ZeroMQError) {
        if let octets = ipv4Octets(group), !(224...239).contains(octets[0]) {
            throw invalid("\(group) is not a multicast group address; IPv4 groups are 224.0.0.0 to 239.255.255.255")
        }
        let interfaces = NetworkInterface.all()
        let ready = interfaces.filter(\.isMulticastReady).map(\.name)
        let readyList = ready.isEmpty
            ? "this machine has no network interface that can do multicast, so \(transport) cannot work here"
            : "interfaces that can: \(ready.joined(separator: ", "))"
        guard let found = interfaces.first(where: { $0.name == interface || $0.addresses.contains(interface) }) else {
            throw invalid("there is no network interface named or addressed '\(interface)'; \(readyList)")
        }
        guard found.isMulticastReady else {
            let why = found.isLoopback ? "it is a loopback interface" : !found.isUp ? "it is down" : "it does not support multicast"
            throw invalid("network interface \(found.name) cannot send or receive multicast (\(why)); \(readyList)")
        }
    }

    /// The four octets of a dotted-quad IPv4 address, or nil.
    private static func ipv4Octets(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { Int($0) }.filter { (0...255).contains($0) }
        return octets.count == 4 ? octets : nil
    }
}
