import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Three hosts on one switch, made for one test and removed after it: network namespaces `a`,
/// `b` and `c`, each with an `eth0` plugged by a veth pair into a bridge in a fourth namespace
/// (the switch). Addresses 10.203.0.1 (a), .2 (b), .3 (c), /24, exist only inside the namespaces:
/// nothing is added to the machine's own network, and every test's hosts have a switch of their
/// own, so tests never see each other's traffic.
///
/// Faults: ``cut(_:)`` unplugs a host's cable at the switch (`ip link set down` on the switch's
/// port; the host's `eth0` loses carrier), ``restore(_:)`` plugs it back,
/// ``impair(_:delay:lossPercent:peers:)`` adds delay and loss on both directions of a host's link
/// (netem, or NFQUEUE and a small delayer where the kernel has no netem).
///
/// Names are `zmqhosts-<pid>-<n>-<a|b|c|net>`; ``init()`` first removes the namespaces a crashed
/// earlier run left behind (those whose pid no longer runs). Needs root and iproute2's `ip`.
struct ThreeHosts: Sendable {
    /// One of the three hosts.
    enum Host: String, CaseIterable, Sendable, CustomStringConvertible {
        case a, b, c

        var description: String { "host \(rawValue)" }
    }

    /// How ``impair(_:delay:lossPercent:peers:)`` made the link worse.
    struct Impairment: Sendable, CustomStringConvertible {
        /// What does it: `netem`, or `nfqueue` (Tests/PythonPeers/nfqueue_delay.py).
        var method: String
        /// The commands, for messages.
        var description: String
        /// With `nfqueue`: the program that delays and drops the packets.
        var delayer: Child?
    }

    static let prefix = "zmqhosts-"
    private static let counter = Locked(0)

    /// `<pid>-<n>`: unique among the tests of this process and among processes.
    let tag: String

    /// Makes the switch, the three hosts and their links.
    init() throws {
        Self.removeLeftovers()
        let number = Self.counter.withLock { value -> Int in
            value += 1
            return value
        }
        tag = "\(getpid())-\(number)"
        do {
            try Ip.run(["netns", "add", switchNamespace])
            try Ip.run(["-n", switchNamespace, "link", "set", "lo", "up"])
            try Ip.run(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
            try Ip.run(["-n", switchNamespace, "link", "set", "br0", "up"])
            for host in Host.allCases {
                let namespace = namespace(host)
                try Ip.run(["netns", "add", namespace])
                try Ip.run(["-n", namespace, "link", "set", "lo", "up"])
                // Both ends are made inside their namespaces: no interface ever appears in the
                // machine's own namespace, and deleting the namespaces deletes the pair.
                try Ip.run([
                    "link", "add", "name", "eth0", "netns", namespace, "type", "veth",
                    "peer", "name", port(host), "netns", switchNamespace,
                ])
                try Ip.run(["-n", switchNamespace, "link", "set", port(host), "master", "br0"])
                try Ip.run(["-n", switchNamespace, "link", "set", port(host), "up"])
                try Ip.run(["-n", namespace, "addr", "add", "\(address(host))/24", "dev", "eth0"])
                try Ip.run(["-n", namespace, "link", "set", "eth0", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// The namespace of the switch (the bridge and one port per host).
    var switchNamespace: String { "\(Self.prefix)\(tag)-net" }

    /// The network namespace of `host`.
    func namespace(_ host: Host) -> String { "\(Self.prefix)\(tag)-\(host.rawValue)" }

    /// The address of `host` on its `eth0`.
    func address(_ host: Host) -> String {
        switch host {
        case .a: "10.203.0.1"
        case .b: "10.203.0.2"
        case .c: "10.203.0.3"
        }
    }

    /// A TCP endpoint with a wildcard port on `host`'s address: the program binds a free port and
    /// prints it.
    func anyPort(on host: Host) -> String { "tcp://\(address(host)):*" }

    /// The switch's port for `host`.
    private func port(_ host: Host) -> String { "port-\(host.rawValue)" }

    /// Unplugs `host`'s cable at the switch: nothing passes until ``restore(_:)``. TCP
    /// connections over it stay open (no FIN, no RST): their segments are retransmitted with
    /// growing backoff.
    func cut(_ host: Host) throws {
        try Ip.run(["-n", switchNamespace, "link", "set", port(host), "down"])
    }

    /// Plugs `host`'s cable back in.
    func restore(_ host: Host) throws {
        try Ip.run(["-n", switchNamespace, "link", "set", port(host), "up"])
    }

    /// Adds `delay` and `lossPercent` % loss to each direction of `host`'s link: netem on the
    /// host's `eth0` (outgoing) and on the switch's port to it (incoming).
    ///
    /// On a kernel without netem (CONFIG_NET_SCH_NETEM unset, as in some VMs) the host's packets
    /// go to NFQUEUE instead (`iptables ... -j NFQUEUE`, both directions), where
    /// Tests/PythonPeers/nfqueue_delay.py, started with `peers`, holds each for `delay` and drops
    /// `lossPercent` % of them: the same delay and loss, made in user space.
    func impair(_ host: Host, delay: Duration, lossPercent: Int, peers: Peers) async throws -> Impairment {
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        let netem = ["root", "netem", "delay", "\(milliseconds)ms", "loss", "\(lossPercent)%"]
        do {
            try Ip.tc(in: namespace(host), ["qdisc", "add", "dev", "eth0"] + netem)
            try Ip.tc(in: switchNamespace, ["qdisc", "add", "dev", port(host)] + netem)
            return Impairment(
                method: "netem", description: "netem delay \(milliseconds)ms loss \(lossPercent)% both ways")
        } catch let error as HarnessError where error.description.contains("qdisc kind is unknown") {
            let namespace = namespace(host)
            let delayer = try peers.python(
                "nfqueue_delay.py", inNetworkNamespace: namespace,
                ["--delay", "\(milliseconds)", "--loss", "\(lossPercent)"])
            // Bound before the rules: a queue without a reader drops every packet.
            _ = try await delayer.line(startingWith: "delaying queue 0")
            for (chain, direction) in [("OUTPUT", "-o"), ("INPUT", "-i")] {
                do {
                    try Ip.run([
                        "netns", "exec", namespace, "iptables", "-A", chain, direction, "eth0", "-j", "NFQUEUE",
                        "--queue-num", "0",
                    ])
                } catch {
                    throw HarnessError(
                        "this kernel has no netem, and sending packets to NFQUEUE instead failed (is iptables installed? "
                            + "Scripts/install-test-peers.sh installs it as root): \(error)")
                }
            }
            return Impairment(
                method: "nfqueue",
                description:
                    "delay \(milliseconds)ms loss \(lossPercent)% both ways (no netem in this kernel: NFQUEUE and nfqueue_delay.py)",
                delayer: delayer)
        }
    }

    /// The packets the impairment of `host` dropped so far, both directions together.
    func droppedPackets(_ host: Host, by impairment: Impairment) throws -> Int {
        if let delayer = impairment.delayer {
            return delayer.standardOutput.filter { $0.hasPrefix("dropped ") }.count
        }
        var total = 0
        for text in [
            try Ip.tc(in: namespace(host), ["-s", "qdisc", "show", "dev", "eth0"]),
            try Ip.tc(in: switchNamespace, ["-s", "qdisc", "show", "dev", port(host)]),
        ] {
            var rest = Substring(text)
            while let range = rest.range(of: "dropped ") {
                rest = rest[range.upperBound...]
                total += Int(rest.prefix { $0.isNumber }) ?? 0
            }
        }
        return total
    }

    /// Deletes the four namespaces (and with them the links and the bridge).
    func remove() {
        for namespace in Host.allCases.map(namespace) + [switchNamespace] {
            _ = try? Ip.run(["netns", "del", namespace])
        }
    }

    /// Deletes every `zmqhosts-<pid>-...` namespace whose process no longer runs: what a test
    /// run that crashed (or was killed) before its cleanup left behind. Namespaces of a run still
    /// going on (its pid alive) are left alone.
    static func removeLeftovers() {
        guard let list = try? Ip.run(["netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            guard let name = line.split(separator: " ").first, name.hasPrefix(prefix),
                let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber })
            else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                _ = try? Ip.run(["netns", "del", String(name)])
            }
        }
    }
}

/// Runs `body` with three fresh hosts and removes them afterwards, also when `body` throws.
func withThreeHosts<T>(_ body: (ThreeHosts) async throws -> T) async throws -> T {
    let hosts = try ThreeHosts()
    defer { hosts.remove() }
    return try await body(hosts)
}

/// iproute2's `ip` and `tc`, run and waited for.
enum Ip {
    /// Runs `ip arguments` and returns its standard output.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        guard let ip = NetworkNamespaces.ip else { throw HarnessError("iproute2's ip is not installed") }
        return try command(ip, arguments)
    }

    /// Runs `tc arguments` inside `namespace`.
    @discardableResult
    static func tc(in namespace: String, _ arguments: [String]) throws -> String {
        try run(["netns", "exec", namespace, "tc"] + arguments)
    }

    private static func command(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Small outputs only (a few lines): reading one pipe, then the other, cannot stall.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let shown = ([executable] + arguments).joined(separator: " ")
            throw HarnessError(
                "\(shown) failed (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return text
    }
}
