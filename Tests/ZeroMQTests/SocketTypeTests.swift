import Testing
@testable import ZeroMQ

@Suite("Every socket type over every transport", .timeLimit(.minutes(5)))
struct SocketTypeTests {
    @Test("each socket type binds and is connected to", arguments: Transport.allCases)
    func everyTypeBindsAndConnects(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()
            try await bindAndConnect(PairSocket.self, context, transport)
            try await bindAndConnect(PubSocket.self, context, transport)
            try await bindAndConnect(SubSocket.self, context, transport)
            try await bindAndConnect(XPubSocket.self, context, transport)
            try await bindAndConnect(XSubSocket.self, context, transport)
            try await bindAndConnect(ReqSocket.self, context, transport)
            try await bindAndConnect(RepSocket.self, context, transport)
            try await bindAndConnect(DealerSocket.self, context, transport)
            try await bindAndConnect(RouterSocket.self, context, transport)
            try await bindAndConnect(PushSocket.self, context, transport)
            try await bindAndConnect(PullSocket.self, context, transport)
            if transport == .tcp {
                // ZMQ_STREAM speaks raw TCP only.
                try await bindAndConnect(StreamSocket.self, context, transport)
            }
            await context.shutdown()
        }
    }

    private func bindAndConnect<Role>(_: Socket<Role>.Type, _ context: Context, _ transport: Transport) async throws {
        let server = try Socket<Role>(context)
        let client = try Socket<Role>(context)
        let endpoint = try await server.bind(transport.endpoint())
        #expect(!endpoint.contains("*"), "bind returns the resolved endpoint, not \(endpoint)")
        #expect(endpoint.hasPrefix(transport.rawValue + "://"))
        try await client.connect(endpoint)
        #expect(server.type == Role.type)
        #expect(try await server.option(.type) == Int(Role.type.rawValue))
        try await client.disconnect(endpoint)
        try await server.unbind(endpoint)
        await client.close()
        await server.close()
        #expect(await server.isClosed)
    }

    @Test("each pattern exchanges messages", arguments: Transport.allCases)
    func patternsExchange(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()

            let pairA = try PairSocket(context), pairB = try PairSocket(context)
            try await pairB.connect(try await pairA.bind(transport.endpoint()))
            try await pairB.send("ping")
            #expect(try await pairA.receive(timeout: .seconds(5)).string == "ping")
            try await pairA.send("pong")
            #expect(try await pairB.receive(timeout: .seconds(5)).string == "pong")

            let rep = try RepSocket(context), req = try ReqSocket(context)
            try await req.connect(try await rep.bind(transport.endpoint()))
            try await req.send("hello")
            let request = try await rep.receive(timeout: .seconds(5))
            try await rep.send("Echo: " + (request.string ?? ""))
            #expect(try await req.receive(timeout: .seconds(5)).string == "Echo: hello")

            let router = try RouterSocket(context), dealer = try DealerSocket(context)
            try await dealer.setOption(.routingID, to: Array("dealer-1".utf8))
            try await dealer.connect(try await router.bind(transport.endpoint()))
            try await dealer.send(["", "work"])
            let enveloped = try await router.receive(timeout: .seconds(5))
            #expect(enveloped.frameCount == 3)
            #expect(enveloped[0].string == "dealer-1")
            #expect(enveloped.last?.string == "work")
            try await router.send(Message(frames: [enveloped[0], "", "done"]))
            let reply = try await dealer.receive(timeout: .seconds(5))
            #expect(reply.frames.map(\.string) == ["", "done"])

            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind(transport.endpoint()))
            try await push.send("task")
            #expect(try await pull.receive(timeout: .seconds(5)).string == "task")

            let xpub = try XPubSocket(context), xsub = try XSubSocket(context)
            try await xsub.connect(try await xpub.bind(transport.endpoint()))
            try await xsub.send([0x01] + Array("news".utf8))  // subscribe message
            let subscription = try await xpub.receive(timeout: .seconds(5))
            #expect(subscription.bytes == [0x01] + Array("news".utf8))
            try await xpub.send("news: up")
            #expect(try await xsub.receive(timeout: .seconds(5)).string == "news: up")

            await context.shutdown()
        }
    }

    @Test("a subscriber gets only its prefixes", arguments: Transport.allCases)
    func subscriptionFilter(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()
            let pub = try PubSocket(context), sub = try SubSocket(context)
            try await sub.connect(try await pub.bind(transport.endpoint()))
            try await sub.subscribe(to: "1")
            try await settleSubscription(pub, sub, topic: "1")
            for index in 0..<10 {
                try await pub.send("2-Update! >> #\(index)")
                try await pub.send("1-Update! >> #\(index)")
            }
            for index in 0..<10 {
                #expect(try await sub.receive(timeout: .seconds(5)).string == "1-Update! >> #\(index)")
            }
            await #expect(throws: ZeroMQError.self) { try await sub.receive(timeout: .milliseconds(100)) }
            await context.shutdown()
        }
    }
}
