import CZeroMQ
import Synchronization
import ZeroMQSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        /// Whether libzmq has started its reaper and I/O threads (it does with the first socket).
        var libzmqStarted = false
    }

    enum Phase { case open, shuttingDown, terminated }

    private struct WeakCore {
        weak var core: SocketCore?
    }

    private let state = Lock(State())

    /// Whether a ZAP authenticator serves this context (see `Context+Authenticator.swift`).
    let authenticatorInstalled = Atomic<Bool>(false)

    init(configuration: ContextConfiguration) throws(ZeroMQError) {
        guard let handle = zmq_ctx_new() else {
            var error = ZeroMQError.libzmq("zmq_ctx_new")
            if error.errno == EMFILE || error.errno == ENFILE {
                error.code = .systemResource
                error.reason = "no file descriptor is free for the context's mailbox (\(Self.openFileLimitDescription))"
            }
            throw error
        }
        self.handle = handle
        self.configuration = configuration
        do {
            try set(ZMQ_IO_THREADS, configuration.ioThreads, name: "ZMQ_IO_THREADS")
            try set(ZMQ_MAX_SOCKETS, configuration.maximumSockets, name: "ZMQ_MAX_SOCKETS")
            try set(ZMQ_IPV6, configuration.ipv6 ? 1 : 0, name: "ZMQ_IPV6")
        } catch {
            _ = LibZMQCall.errno(of: { zmq_ctx_term(handle) })
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
            if !state.libzmqStarted {
                try Self.checkDescriptorsToStart(ioThreads: configuration.ioThreads, creating: type)
            }
            guard let socket = zmq_socket(handle, type.rawValue) else {
                throw socketCreationError(type: type, errno: zmq_errno(), open: state.sockets.count)
            }
            state.libzmqStarted = true
            state.nextSocketNumber += 1
            let core = build(socket, "\(type)#\(state.nextSocketNumber)")
            state.sockets[ObjectIdentifier(core)] = WeakCore(core: core)
            return core
        }
    }

    /// libzmq starts its reaper and I/O threads with the first socket, each with an eventfd and
    /// an epoll descriptor, and aborts the process (an `errno_assert` in its epoll poller) when it
    /// gets the eventfd but not the epoll descriptor. So before the first socket, check that the
    /// descriptors it needs are free, and fail with a clear error instead. (Another thread could
    /// take them between the check and the start; the check makes that abort unlikely, not
    /// impossible.)
    private static func checkDescriptorsToStart(ioThreads: Int, creating type: SocketType) throws(ZeroMQError) {
        // The reaper and each I/O thread: an eventfd and an epoll descriptor; the socket: an eventfd.
        let needed = 2 * (max(ioThreads, 0) + 1) + 1
        var probes: [Int32] = []
        defer { for fd in probes { _ = close(fd) } }
        for _ in 0..<needed {
            let fd = czmq_descriptor_probe()
            guard fd >= 0 else {
                let error = czmq_errno()
                throw ZeroMQError(
                    code: .systemResource, operation: "create \(type) socket", errno: error,
                    reason: "libzmq's first socket starts its threads, which need \(needed) file descriptors, "
                        + "and fewer are free (\(openFileLimitDescription)); close some or raise the limit"
                )
            }
            probes.append(fd)
        }
    }

    /// A clear error for a failed `zmq_socket`: for `EMFILE`, whether the context's
    /// ``ContextConfiguration/maximumSockets`` or the process's file descriptors ran out.
    private func socketCreationError(type: SocketType, errno error: Int32, open: Int) -> ZeroMQError {
        guard error == EMFILE else { return ZeroMQError.libzmq("create \(type) socket", errno: error) }
        // libzmq says EMFILE for both. If a descriptor can still be had, the limit was the context's.
        let probe = czmq_descriptor_probe()
        if probe >= 0 {
            _ = close(probe)
            return ZeroMQError(
                code: .libzmq, operation: "create \(type) socket", errno: error,
                reason: "the context's maximumSockets (\(configuration.maximumSockets)) are all in use: \(open) "
                    + "sockets are open, the others closed but still lingering or made with withUnsafeHandle; "
                    + "raise ContextConfiguration.maximumSockets or close sockets"
            )
        }
        return ZeroMQError(
            code: .systemResource, operation: "create \(type) socket", errno: error,
            reason: "the process has no file descriptor left for the socket (\(Self.openFileLimitDescription)); "
                + "each socket needs one and each connection one more: close some or raise the limit"
        )
    }

    /// `ulimit -n is N`, the process's soft limit of open files, for error messages.
    static var openFileLimitDescription: String {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return "ulimit -n unknown" }
        return limit.rlim_cur == rlim_t.max ? "ulimit -n is unlimited" : "ulimit -n is \(limit.rlim_cur)"
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
            try LoopThread.start(name: "zmq-ctx-term") { _ = LibZMQCall.errno(of: { zmq_ctx_term(context.raw) }) }
        } catch {
            // No thread to be had: leak the context rather than risk blocking this thread.
        }
    }
}

/// A libzmq context pointer crossing threads. libzmq contexts are thread-safe.
struct ContextHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}
