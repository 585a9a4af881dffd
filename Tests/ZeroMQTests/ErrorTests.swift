import Testing
@testable import ZeroMQ

@Suite("Errors say what failed, where and why", .timeLimit(.minutes(5)))
struct ErrorTests {
    @Test(
        "malformed endpoints fail before libzmq",
        arguments: [
            "127.0.0.1:5555", "tcp://", "tcp://127.0.0.1", "tcp://:5555", "tcp://127.0.0.1:http",
            "tcp://127.0.0.1:70000", "tcp://[::1:5555", "epgm://239.192.1.1:5555",
        ]
    )
    func malformedEndpoint(endpoint: String) async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try PullSocket(context)
            let error = await #expect(throws: ZeroMQError.self) { try await socket.bind(endpoint) }
            #expect(error?.code == .invalidEndpoint || error?.code == .unsupportedTransport)
            #expect(error?.endpoint == endpoint)
            #expect(error?.description.hasPrefix("bind \(endpoint) on PULL#") == true)
            await context.shutdown()
        }
    }

    @Test("wildcards cannot be connected to")
    func wildcardConnect() async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try PushSocket(context)
            for endpoint in ["tcp://127.0.0.1:*", "tcp://*:5555", "tcp://127.0.0.1:0"] {
                let error = await #expect(throws: ZeroMQError.self) { try await socket.connect(endpoint) }
                #expect(error?.code == .invalidEndpoint)
            }
            await context.shutdown()
        }
    }

    @Test("unknown and draft-only transports are unsupported", arguments: ["foo://bar", "udp://127.0.0.1:5555", "ws://127.0.0.1:80"])
    func unsupportedTransport(endpoint: String) async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try PubSocket(context)
            let error = await #expect(throws: ZeroMQError.self) { try await socket.connect(endpoint) }
            #expect(error?.code == .unsupportedTransport)
            await context.shutdown()
        }
    }

    @Test("binding a port twice reports EADDRINUSE with the endpoint")
    func addressInUse() async throws {
        try await withDeadline {
            let context = try makeContext()
            let first = try PullSocket(context), second = try PullSocket(context)
            let endpoint = try await first.bind("tcp://127.0.0.1:*")
            let error = await #expect(throws: ZeroMQError.self) { try await second.bind(endpoint) }
            #expect(error?.code == .libzmq)
            #expect(error?.errnoName == "EADDRINUSE")
            #expect(error?.description == "bind \(endpoint) on \(second.description): EADDRINUSE (Address already in use)")
            await context.shutdown()
        }
    }

    @Test("REQ cannot send twice; REP cannot reply before a request (EFSM)")
    func wrongState() async throws {
        try await withDeadline {
            let context = try makeContext()
            let req = try ReqSocket(context), rep = try RepSocket(context)
            try await req.connect(try await rep.bind("inproc://efsm"))
            try await req.send("first")
            let twice = await #expect(throws: ZeroMQError.self) { try await req.send("second") }
            #expect(twice?.errnoName == "EFSM")
            #expect(twice?.operation == "send")
            let early = await #expect(throws: ZeroMQError.self) { try await rep.send("reply") }
            #expect(early?.errnoName == "EFSM")
            // The REQ is still usable: the request goes through.
            #expect(try await rep.receive(timeout: .seconds(5)).string == "first")
            await context.shutdown()
        }
    }

    @Test("isEndOfStream: a closed socket or a terminated context, nothing else")
    func endOfStream() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            await pull.close()
            let closed = await #expect(throws: ZeroMQError.self) { _ = try await pull.receive() }
            #expect(closed?.isEndOfStream == true)
            await context.shutdown()
            let terminated = #expect(throws: ZeroMQError.self) { _ = try PullSocket(context) }
            #expect(terminated?.code == .contextTerminated && terminated?.isEndOfStream == true)
            let timedOut = ZeroMQError(code: .timedOut, operation: "receive", reason: "late")
            let state = ZeroMQError(code: .invalidState, operation: "run proxy", reason: "already running")
            #expect(!timedOut.isEndOfStream && !state.isEndOfStream)
            #expect(state.code.description == "invalid state")
        }
    }

    @Test("unknown errno values still read well")
    func errnoNames() {
        #expect(ErrnoName.name(of: ErrnoName.ETERM) == "ETERM")
        #expect(ErrnoName.name(of: 99_999) == "errno 99999")
    }
}

@Suite("Context and socket misuse", .timeLimit(.minutes(5)))
struct MisuseTests {
    @Test("a context needs at least one loop, positive batch bounds and no negative busy polling")
    func badConfiguration() async throws {
        try await withDeadline {
            let loops = #expect(throws: ZeroMQError.self) { try makeContext { $0.pollLoops = 0 } }
            #expect(loops?.code == .invalidArgument)
            let batch = #expect(throws: ZeroMQError.self) { try makeContext { $0.receiveBatchSize = 0 } }
            #expect(batch?.code == .invalidArgument)
            let bytes = #expect(throws: ZeroMQError.self) { try makeContext { $0.receiveBatchByteLimit = 0 } }
            #expect(bytes?.code == .invalidArgument)
            #expect(bytes?.reason.contains("receiveBatchByteLimit") == true)
            let spin = #expect(throws: ZeroMQError.self) { try makeContext { $0.busyPolling = .microseconds(-1) } }
            #expect(spin?.code == .invalidArgument)
            #expect(spin?.reason.contains("busyPolling") == true)
        }
    }

    @Test("a socket cannot be pinned to another context's loop")
    func foreignLoop() async throws {
        try await withDeadline {
            let first = try makeContext(), second = try makeContext()
            let error = #expect(throws: ZeroMQError.self) { try PullSocket(second, on: first.loops[0]) }
            #expect(error?.code == .invalidArgument)
            await first.shutdown()
            await second.shutdown()
        }
    }

    @Test("every operation on a closed socket says it is closed")
    func closedSocket() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pair = try PairSocket(context)
            await pair.close()
            await pair.close()  // closing twice is fine
            for attempt in 0..<4 {
                let error = await #expect(throws: ZeroMQError.self) {
                    switch attempt {
                    case 0: try await pair.send("x")
                    case 1: _ = try await pair.receive(timeout: .milliseconds(10))
                    case 2: try await pair.bind("inproc://closed")
                    default: _ = try await pair.option(.linger)
                    }
                }
                #expect(error?.code == .socketClosed)
                #expect(error?.socket == pair.description)
            }
            await context.shutdown()
        }
    }
}
