import CZeroMQ

/// Owns the libzmq context handle and knows every socket open on it.
///
/// `zmq_ctx_*` calls are thread-safe, so this is Sendable without confinement. Sockets hold it
/// strongly, so the handle outlives every socket; the last one gone terminates it off-thread.
final class ContextStorage: @unchecked Sendable {
    // @unchecked Sendable: `handle` is a libzmq context, which libzmq documents as thread-safe;
    // all mutable state is inside `state` (a Lock).

    let handle: UnsafeMutableRawPointer
    let configuration: ContextConfiguration

    private struct State {
        var sockets: [ObjectIdentifier: WeakCore] = [:]
        var phase: Phase = .open
        var nextSocketNumber = 0
        /// ``Context/shutdown()`` has finished: the libzmq context is terminated.
        var shutdownFinished = false
        /// Callers of ``Context/shutdown()`` waiting for the one that does the work.
        var shutdownWaiters: [UnsafeContinuation<Void, Never>] = []
    }

    enum Phase { case open, shuttingDown, terminated }

    private struct WeakCore {
        weak var core: SocketCore?
    }

    private let state = Lock(State())

    init(configuration: ContextConfiguration) throws(ZeroMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZeroMQError.libzmq("zmq_ctx_new")
        }
        self.handle = handle
        self.configuration = configuration
        do {
            try set(ZMQ_IO_THREADS, configuration.ioThreads, name: "ZMQ_IO_THREADS")
            try set(ZMQ_MAX_SOCKETS, configuration.maximumSockets, name: "ZMQ_MAX_SOCKETS")
            try set(ZMQ_IPV6, configuration.ipv6 ? 1 : 0, name: "ZMQ_IPV6")
        } catch {
            zmq_ctx_term(handle)
            throw error
        }
    }

    private func set(_ option: Int32, _ value: Int, name: String) throws(ZeroMQError) {
        guard let value = Int32(exactly: value), zmq_ctx_set(handle, option, value) == 0 else {
            throw ZeroMQError(
                code: .invalidOption, operation: "zmq_ctx_set(\(name))",
                reason: "\(value) is not accepted by libzmq"
            )
        }
    }

    /// Creates a libzmq socket and records its core; refuses once shutdown has begun.
    ///
    /// `zmq_socket` is the one libzmq call made off the socket's loop: it only needs the
    /// (thread-safe) context, and the socket is handed to the loop through the loop's job queue,
    /// whose lock is the full memory barrier libzmq requires to move a socket between threads.
    func makeSocket(
        type: SocketType,
        _ build: (UnsafeMutableRawPointer, String) -> SocketCore
    ) throws(ZeroMQError) -> SocketCore {
        try state.withLock { state throws(ZeroMQError) -> SocketCore in
            guard state.phase == .open else {
                throw ZeroMQError(
                    code: .contextTerminated, operation: "create \(type) socket",
                    reason: "the context has been shut down"
                )
            }
            guard let socket = zmq_socket(handle, type.rawValue) else {
                throw ZeroMQError.libzmq("create \(type) socket")
            }
            state.nextSocketNumber += 1
            let core = build(socket, "\(type)#\(state.nextSocketNumber)")
            state.sockets[ObjectIdentifier(core)] = WeakCore(core: core)
            return core
        }
    }

    /// Forgets a closed socket.
    func remove(_ core: SocketCore) {
        _ = state.withLock { $0.sockets.removeValue(forKey: ObjectIdentifier(core)) }
    }

    /// Stops new sockets and returns the ones still open. Nil when shutdown already happened.
    func beginShutdown() -> [SocketCore]? {
        state.withLock { state -> [SocketCore]? in
            guard state.phase == .open else { return nil }
            state.phase = .shuttingDown
            let open = state.sockets.values.compactMap(\.core)
            state.sockets.removeAll()
            return open
        }
    }

    /// Marks the context terminated; true for the one caller that must call `zmq_ctx_term`.
    func claimTermination() -> Bool {
        state.withLock { state -> Bool in
            guard state.phase != .terminated else { return false }
            state.phase = .terminated
            return true
        }
    }

    var phase: Phase { state.withLock { $0.phase } }

    /// Whether ``Context/shutdown()`` has finished: every socket closed, the context terminated.
    var hasFinishedShutdown: Bool { state.withLock { $0.shutdownFinished } }

    /// Waits until the shutdown another caller began has finished.
    func waitForShutdown() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if state.shutdownFinished { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }

    /// The shutdown has finished: resumes every caller waiting for it, once.
    func finishShutdown() {
        let waiters = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
            state.shutdownFinished = true
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    deinit {
        // Reached only when no socket references this context any more. Their handles are closed
        // (or queued to be closed) on their loops; `zmq_ctx_term` waits for that and for linger,
        // so it runs on a thread of its own and never blocks a loop or the caller.
        guard claimTermination() else { return }
        let context = ContextHandle(raw: handle)
        do {
            try LoopThread.start(name: "zmq-ctx-term") { zmq_ctx_term(context.raw) }
        } catch {
            // No thread to be had: leak the context rather than risk blocking this thread.
        }
    }
}

/// A libzmq context pointer crossing threads. libzmq contexts are thread-safe.
struct ContextHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}
