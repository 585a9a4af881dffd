import Testing
@testable import ZeroMQ

@Suite("Multicast transports (pgm, epgm, norm): validated, with clear errors")
struct MulticastTests {
    /// An interface of this machine that can multicast, if it has one.
    static let multicastInterface = NetworkInterface.all().first(where: \.isMulticastReady)

    @Test("libzmq here has pgm and norm")
    func capabilities() {
        #expect(LibZMQ.has(.pgm))
        #expect(LibZMQ.has(.norm))
    }

    @Test("the loopback interface is refused with a sentence, before OpenPGM sees it")
    func loopbackInterface() async throws {
        let context = try makeContext()
        let publisher = try PubSocket(context)
        let error = await #expect(throws: ZeroMQError.self) { try await publisher.connect("epgm://lo;239.192.1.1:5555") }
        #expect(error?.code == .invalidEndpoint)
        #expect(error?.reason.contains("network interface lo cannot send or receive multicast (it is a loopback interface)") == true)
        await context.shutdown()
    }

    @Test("an unknown interface, a unicast group and a non-pub/sub socket are refused")
    func badEndpoints() async throws {
        let context = try makeContext()
        let subscriber = try SubSocket(context)
        let unknown = await #expect(throws: ZeroMQError.self) { try await subscriber.connect("epgm://nosuch0;239.192.1.1:5555") }
        #expect(unknown?.reason.contains("there is no network interface named or addressed 'nosuch0'") == true)
        let unicast = await #expect(throws: ZeroMQError.self) { try await subscriber.connect("epgm://eth0;10.1.2.3:5555") }
        #expect(unicast?.reason == "10.1.2.3 is not a multicast group address; IPv4 groups are 224.0.0.0 to 239.255.255.255")
        let push = try PushSocket(context)
        let wrongType = await #expect(throws: ZeroMQError.self) { try await push.connect("epgm://eth0;239.192.1.1:5555") }
        #expect(wrongType?.reason == "epgm carries PUB, SUB, XPUB and XSUB sockets only, not PUSH")
        let norm = await #expect(throws: ZeroMQError.self) { try await push.connect("norm://239.192.1.1:5555") }
        #expect(norm?.code == .invalidEndpoint)
        await context.shutdown()
    }

    @Test(
        "PUB and SUB attach to epgm on a multicast-capable interface",
        .enabled(if: multicastInterface != nil, "this machine has no multicast-capable interface")
    )
    func attachOnMulticastInterface() async throws {
        let interface = try #require(Self.multicastInterface)
        let context = try makeContext()
        let publisher = try PubSocket(context)
        try await publisher.connect("epgm://\(interface.name);239.192.7.7:5555")
        let subscriber = try SubSocket(context)
        try await subscriber.connect("epgm://\(interface.name);239.192.7.7:5555")
        try await subscriber.subscribe(to: "")
        try await publisher.send("over multicast")
        await context.shutdown()
    }
}
