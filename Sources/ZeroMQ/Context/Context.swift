import CZeroMQ
import Logging
import Synchronization

/// A libzmq context and the poll loops that own its sockets.
///
/// Create one per process (or per subsystem), make sockets on it, and shut it down at the end:
///
/// ```swift
/// let context = try Context()
/// let pull = try PullSocket(context)
/// let endpoint = try await pull.bind("tcp://127.0.0.1:*")
/// // ...
/// await context.shutdown()
/// ```
///
/// ``shutdown()`` closes every socket on its loop (pending receives and sends fail with
/// ``ZeroMQError/Code-swift.struct/socketClosed``), waits at most the sockets' linger for
/// queued messages to leave, and terminates libzmq's context. A context that is simply dropped
/// does the same in the background once its last socket is gone.
public final class Context: Sendable {
    let storage: ContextStorage
    /// The poll loops (threads) that own this context's sockets.
    public let loops: [PollLoop]
    /// Where the context and its sockets log. No output unless you pass a logger.
    public let logger: Logger
    private let nextLoop = Atomic<Int>(0)

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - configuration: libzmq context options and the number of poll loops.
    ///   - logger: where to log (debug and trace levels only). Default: nothing is logged.
    /// - Throws: ``ZeroMQError`` when libzmq rejects an option or a loop thread cannot start.
    public init(configuration: ContextConfiguration = ContextConfiguration(), logger: Logger? = nil) throws {
        let logger = logger ?? Logger(label: "zeromq", factory: { _ in SwiftLogNoOpLogHandler() })
        guard configuration.pollLoops >= 1 else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create context",
                reason: "pollLoops must be at least 1, not \(configuration.pollLoops)"
            )
        }
        guard configuration.receiveBatchSize >= 1 else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create context",
                reason: "receiveBatchSize must be at least 1, not \(configuration.receiveBatchSize)"
            )
        }
        guard configuration.receiveBatchByteLimit >= 1 else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create context",
                reason: "receiveBatchByteLimit must be at least 1, not \(configuration.receiveBatchByteLimit)"
            )
        }
        guard configuration.sendBatchSize >= 1 else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create context",
                reason: "sendBatchSize must be at least 1, not \(configuration.sendBatchSize)"
            )
        }
        guard configuration.busyPolling >= .zero else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create context",
                reason: "busyPolling must not be negative, not \(configuration.busyPolling)"
            )
        }
        let storage = try ContextStorage(configuration: configuration)
        var loops: [PollLoop] = []
        do {
            for index in 0..<configuration.pollLoops {
                let loop = try PollLoop(
                    index: index, name: "zmq-loop-\(index)", busyPolling: configuration.busyPolling, logger: logger
                )
                loop.retainUser()
                loops.append(loop)
            }
        } catch {
            for loop in loops { loop.releaseUser() }  // their threads end
            throw error
        }
        self.storage = storage
        self.loops = loops
        self.logger = logger
    }

    deinit {
        for loop in loops { loop.releaseUser() }
    }

    /// Whether ``shutdown()`` has begun.
    public var isShutDown: Bool { storage.phase != .open }

    /// The loop a new socket goes to: the one asked for, or the next in turn.
    func loop(for requested: PollLoop?) throws(ZeroMQError) -> PollLoop {
        if let requested {
            guard loops.contains(where: { $0 === requested }) else {
                throw ZeroMQError(
                    code: .invalidArgument, operation: "create socket",
                    reason: "poll loop \(requested.index) belongs to another context"
                )
            }
            return requested
        }
        let turn = nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[turn % loops.count]
    }

    /// Calls `body` with the libzmq context handle: an escape hatch for C code that makes its own
    /// sockets on this context, for example an `inproc` peer written in C, or a raw baseline in
    /// a benchmark.
    ///
    /// libzmq contexts are thread-safe, so the handle may be used from any thread. Rules: do not
    /// keep it beyond `body` unless the sockets made with it are closed before ``shutdown()``
    /// (which waits for them in `zmq_ctx_term`), and never terminate it yourself.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/contextTerminated`` once ``shutdown()`` has begun,
    ///   or what `body` throws.
    public func withUnsafeHandle<Result>(_ body: (UnsafeMutableRawPointer) throws -> Result) throws -> Result {
        guard storage.phase == .open else {
            throw ZeroMQError(code: .contextTerminated, operation: "withUnsafeHandle", reason: "the context is shut down")
        }
        return try body(storage.handle)
    }

    /// Closes every socket, then terminates the libzmq context.
    ///
    /// Pending operations on the sockets fail with ``ZeroMQError/Code-swift.struct/socketClosed``;
    /// queued outgoing messages get the socket's linger (at most
    /// ``ContextConfiguration/shutdownLinger`` for sockets whose linger is infinite) to leave.
    /// New sockets cannot be created once this has begun. Every caller returns once the context is
    /// terminated: a second call, or calls from several tasks at once, wait for the first.
    ///
    /// Over `ipc`, a sender closed here while its receiver is behind can lose what is still on
    /// its way, whatever the linger (libzmq issue 4660; over `tcp` less, but it can happen too;
    /// see ``Socket/close()`` for the safe path: close after the receiver has acknowledged the
    /// last message).
    public func shutdown() async {
        guard let sockets = storage.beginShutdown() else {
            await storage.waitForShutdown()
            return
        }
        defer { storage.finishShutdown() }
        logger.debug("context shutting down", metadata: ["zmq.sockets": "\(sockets.count)"])
        for loop in loops {
            let owned = sockets.filter { $0.loop === loop }
            guard !owned.isEmpty else { continue }
            await loop.submit {
                for core in owned { core.close(because: "closed by context shutdown") }
            }
        }
        guard storage.claimTermination() else { return }
        let context = ContextHandle(raw: storage.handle)
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            do {
                // zmq_ctx_term blocks for the sockets' linger: never on a loop or pool thread.
                try LoopThread.start(name: "zmq-ctx-term") {
                    // EINTR: a signal interrupted the wait, and libzmq says to call again.
                    _ = LibZMQCall.errno(of: { zmq_ctx_term(context.raw) })
                    continuation.resume()
                }
            } catch {
                continuation.resume()
            }
        }
        logger.debug("context terminated")
    }
}

extension Context {
    /// Creates a context, runs `body` with it, and shuts the context down when `body` returns or
    /// throws: the scoped way to use a context in a program or a test.
    ///
    /// ```swift
    /// try await Context.withContext { context in
    ///     let server = try RepSocket(context)
    ///     try await server.bind("tcp://127.0.0.1:5678")
    ///     try await server.serve { Message("Echo: " + ($0.string ?? "")) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: libzmq context options and the number of poll loops.
    ///   - logger: where to log; by default nothing is logged.
    ///   - body: the work to do with the context; its sockets are closed when it ends.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws (after the shutdown), or ``ZeroMQError`` when the context
    ///   cannot be created.
    nonisolated(nonsending) public static func withContext<Result>(
        configuration: ContextConfiguration = ContextConfiguration(),
        logger: Logger? = nil,
        _ body: (Context) async throws -> Result
    ) async throws -> Result {
        let context = try Context(configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(context)
        } catch {
            await context.shutdown()
            throw error
        }
        await context.shutdown()
        return result
    }
}
