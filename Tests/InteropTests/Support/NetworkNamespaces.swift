import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Two network namespaces joined by a veth pair, made for one test and removed after it: a small
/// network on which multicast really leaves one host and reaches another (PGM does not loop
/// multicast back to the sending host, so one namespace is not enough).
///
/// Host `a` is 10.201.<n>.1 on its veth, host `b` 10.201.<n>.2; both route 224.0.0.0/4 there.
/// Needs root and iproute2's `ip`.
struct NetworkNamespaces: Sendable {
    let a: String
    let b: String
    let addressA: String
    let addressB: String

    /// `ip`, when it is there.
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: FileManager.default.isExecutableFile(atPath:))

    /// Whether this machine lets the tests make namespaces (root and `ip`).
    static var isAvailable: Bool { getuid() == 0 && ip != nil }

    private static let counter = Locked(0)

    /// Makes the two namespaces and the link between them.
    init() throws {
        let number = Self.counter.withLock { value -> Int in
            value += 1
            return value
        }
        let tag = "\(getpid() % 100_000)n\(number)"
        a = "zmqtest-\(tag)-a"
        b = "zmqtest-\(tag)-b"
        let subnet = "10.201.\(number % 250)"
        addressA = "\(subnet).1"
        addressB = "\(subnet).2"
        let vethA = "zt\(tag)a", vethB = "zt\(tag)b"  // at most 15 bytes
        do {
            try Self.run(["netns", "add", a])
            try Self.run(["netns", "add", b])
            try Self.run(["link", "add", vethA, "type", "veth", "peer", "name", vethB])
            try Self.run(["link", "set", vethA, "netns", a])
            try Self.run(["link", "set", vethB, "netns", b])
            for (namespace, veth, address) in [(a, vethA, addressA), (b, vethB, addressB)] {
                try Self.run(["-n", namespace, "addr", "add", "\(address)/24", "dev", veth])
                try Self.run(["-n", namespace, "link", "set", veth, "up"])
                try Self.run(["-n", namespace, "link", "set", "lo", "up"])
                try Self.run(["-n", namespace, "route", "add", "224.0.0.0/4", "dev", veth])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes both namespaces (and with them the veth pair).
    func remove() {
        for namespace in [a, b] { try? Self.run(["netns", "del", namespace]) }
    }

    /// Runs `ip` with `arguments` and waits for it.
    private static func run(_ arguments: [String]) throws {
        guard let ip else { throw HarnessError("iproute2's ip is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw HarnessError("ip \(arguments.joined(separator: " ")) failed: \(message)")
        }
    }
}
