import Dispatch
import Testing
@testable import ZeroMQ

/// Sends from outside a socket's loop are queued for the loop (write-behind): no hop, nothing
/// lost, order kept, bounded by `sendBatchSize`.
@Suite("Write-behind: sends from ordinary tasks", .timeLimit(.minutes(5)))
struct WriteBehindTests {
    @Test("sends from an ordinary task return without the loop, arrive in order, and wait once the queue is full")
    func queuedInOrderAndBounded() async throws {
        try await withDeadline {
            let context = try makeContext { $0.sendBatchSize = 8 }
            let push = try PushSocket(context)
            let endpoint = try await push.bind("tcp://127.0.0.1:*")
            // No peer yet, so libzmq takes nothing: the queue takes 8, then a send must wait.
            var accepted = 0
            while accepted < 100 {
                do {
                    try await push.send(Message(frame(accepted)), timeout: .milliseconds(200))
                    accepted += 1
                } catch let error as ZeroMQError where error.code == .timedOut {
                    break
                }
            }
            #expect(accepted == 8)
            let pull = try PullSocket(context)
            try await pull.connect(endpoint)
            // Everything reported sent arrives, in order; then the rest flows.
            for index in 0..<accepted {
                #expect(number(try await pull.receive(timeout: .seconds(5)).first) == index)
            }
            for index in accepted..<(accepted + 50) { try await push.send(Message(frame(index))) }
            for index in accepted..<(accepted + 50) {
                #expect(number(try await pull.receive(timeout: .seconds(5)).first) == index)
            }
            await context.shutdown()
        }
    }

    @Test("a send isolated to the socket goes out after the sends queued before it")
    func isolatedSendAfterQueued() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://write-behind-order"))
            for index in 0..<100 { try await push.send(Message(frame(index))) }  // queued
            try await Self.sendIsolated(push, Message(frame(100)))
            for index in 0...100 {
                #expect(number(try await pull.receive(timeout: .seconds(5)).first) == index)
            }
            await context.shutdown()
        }
    }

    @Test("messages still queued when the socket closes go to libzmq and arrive")
    func closeFlushesQueue() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            let endpoint = try await pull.bind("tcp://127.0.0.1:*")
            let push = try PushSocket(context)
            try await push.setOption(.linger, to: .seconds(5))
            try await push.connect(endpoint)
            for index in 0..<200 { try await push.send(Message(frame(index))) }
            await push.close()
            for index in 0..<200 {
                #expect(number(try await pull.receive(timeout: .seconds(5)).first) == index)
            }
            let error = await #expect(throws: ZeroMQError.self) { try await push.send("after close") }
            #expect(error?.code == .socketClosed)
            await context.shutdown()
        }
    }

    @Test("REQ, REP and STREAM never queue sends, ROUTER only without routerMandatory; an empty message is refused, not queued")
    func eligibility() async throws {
        #expect(!SocketType.req.allowsWriteBehind && !SocketType.rep.allowsWriteBehind)
        #expect(SocketType.router.allowsWriteBehind && !SocketType.stream.allowsWriteBehind)
        #expect(SocketType.push.allowsWriteBehind && SocketType.pub.allowsWriteBehind && SocketType.dealer.allowsWriteBehind)
        try await withDeadline {
            let context = try makeContext()
            let push = try PushSocket(context)
            try await push.bind("inproc://write-behind-empty")
            let error = await #expect(throws: ZeroMQError.self) { try await push.send(Message(frames: [])) }
            #expect(error?.code == .invalidArgument)
            await context.shutdown()
        }
    }

    @Test("a ROUTER's sends from an ordinary task are queued while routerMandatory is off: they return while the loop is busy, and arrive in order")
    func routerQueues() async throws {
        try await withDeadline {
            let context = try makeContext()
            let (router, dealer) = try await Self.routerWithPeer(context)
            let returned = try await Self.returnsWhileLoopIsHeld(context.loops[0]) {
                for index in 0..<20 {
                    try await router.send(Message(frames: [Frame(Array("d".utf8)), frame(index)]))
                }
            }
            #expect(returned, "the sends waited for the loop")
            for index in 0..<20 {
                #expect(number(try await dealer.receive(timeout: .seconds(5)).first) == index)
            }
            await context.shutdown()
        }
    }

    @Test("with routerMandatory on, a ROUTER's send to an unknown peer fails with EHOSTUNREACH (not queued); sends queued before it was set go first")
    func routerMandatoryIsNotQueued() async throws {
        try await withDeadline {
            let context = try makeContext()
            let (router, dealer) = try await Self.routerWithPeer(context)
            // Queued, not yet sent: setting the option (on the loop) sends them first.
            let returned = try await Self.returnsWhileLoopIsHeld(context.loops[0]) {
                for index in 0..<5 {
                    try await router.send(Message(frames: [Frame(Array("d".utf8)), frame(index)]))
                }
            }
            #expect(returned, "the sends waited for the loop")
            try await router.setOption(.routerMandatory, to: true)
            let error = await #expect(throws: ZeroMQError.self) {
                try await router.send(Message(frames: [Frame(Array("nobody".utf8)), frame(99)]))
            }
            #expect(error?.errnoName == "EHOSTUNREACH", "\(String(describing: error))")
            for index in 0..<5 {
                #expect(number(try await dealer.receive(timeout: .seconds(5)).first) == index)
            }
            // Off again: sends to an unknown peer are dropped without a word, as libzmq does.
            try await router.setOption(.routerMandatory, to: false)
            try await router.send(Message(frames: [Frame(Array("nobody".utf8)), frame(100)]))
            try await router.send(Message(frames: [Frame(Array("d".utf8)), frame(5)]))
            #expect(number(try await dealer.receive(timeout: .seconds(5)).first) == 5)
            await context.shutdown()
        }
    }

    /// A ROUTER bound on tcp and a DEALER with routing id `d` connected to it, whose first
    /// message the ROUTER has read (so it knows the peer).
    private static func routerWithPeer(_ context: Context) async throws -> (RouterSocket, DealerSocket) {
        let router = try RouterSocket(context)
        let endpoint = try await router.bind("tcp://127.0.0.1:*")
        let dealer = try DealerSocket(context)
        try await dealer.setOption(.routingID, to: Array("d".utf8))
        try await dealer.connect(endpoint)
        try await dealer.send("hello")
        #expect(try await router.receive(timeout: .seconds(5)).frames.first?.bytes == Array("d".utf8))
        return (router, dealer)
    }

    /// Runs `sends` in a task of its own while a job holds `loop` (a send that needs the loop
    /// cannot return meanwhile): whether they returned within 5 s. The loop is let go either
    /// way, and the sends are waited for.
    private static func returnsWhileLoopIsHeld(
        _ loop: PollLoop, _ sends: @escaping @Sendable () async throws -> Void
    ) async throws -> Bool {
        let holding = Gate(), release = DispatchSemaphore(value: 0)
        loop.execute {
            holding.open()
            release.wait()
        }
        await holding.wait()
        let finished = Locked(false)
        let sender = Task {
            try await sends()
            finished.withLock { $0 = true }
        }
        var returned = true
        do {
            try await waitUntil("the sends returned", timeout: .seconds(5)) { finished.withLock { $0 } }
        } catch is ConditionTimedOut {
            returned = false
        }
        release.signal()
        try await sender.value
        return returned
    }

    private static func sendIsolated(_ push: isolated PushSocket, _ message: Message) async throws {
        try await push.send(message)
    }
}
