import Testing
@testable import ZeroMQ

@Suite("Multicast transports (pgm, epgm, norm): validated, with clear errors", .timeLimit(.minutes(5)))
struct MulticastTests {

    @Test("libzmq here has pgm and norm")
    func capabilities() {
        #expect(LibZMQ.has(.pgm))
        #expect(LibZMQ.has(.norm))
    }

    @Test("the loopback interface is refused with a sentence, before OpenPGM sees it")
    func loopbackInterface() async throws {
        try await withDeadline {
            let context = try makeContext()
            let publisher = try PubSocket(context)
            let error = await #expect(throws: ZeroMQError.self) { try await publisher.connect("epgm://lo;239.192.1.1:5555") }
            #expect(error?.code == .invalidEndpoint)
            #expect(error?.reason.contains("network interface lo cannot send or receive multicast (it is a loopback interface)") == true)
            await context.shutdown()
        }
    }

    @Test("an unknown interface, a unicast group and a non-pub/sub socket are refused")
    func badEndpoints() async throws {
        try await withDeadline {
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
    }

    // Delivery over pgm and epgm is tested between two network namespaces (InteropTests,
    // MulticastTests.swift): OpenPGM never loops multicast back to its own host, so one process
    // cannot receive what it sends, and sending on this host's real interface would put test
    // traffic on a real network.
}
