import CZeroMQ
import Logging

/// A ZeroMQ socket: an actor whose jobs run on the ``PollLoop`` that owns its libzmq socket.
///
/// The role parameter fixes what the socket can do, so misuse that libzmq would reject at run
/// time does not compile: a ``PushSocket`` has `send` and no `receive`; a ``PullSocket`` the
/// reverse. Use the aliases: ``PairSocket``, ``PubSocket``, ``SubSocket``, ``XPubSocket``,
/// ``XSubSocket``, ``ReqSocket``, ``RepSocket``, ``DealerSocket``, ``RouterSocket``,
/// ``PushSocket``, ``PullSocket``, ``StreamSocket``.
///
/// ```swift
/// let pull = try PullSocket(context)
/// let endpoint = try await pull.bind("tcp://127.0.0.1:*")
/// let push = try PushSocket(context)
/// try await push.connect(endpoint)
/// try await push.send("hello")
/// let message = try await pull.receive(timeout: .seconds(1))
/// ```
///
/// **Where the work happens.** Every libzmq call runs on the socket's loop thread. Calls from
/// code isolated to the socket (an `isolated` parameter, or a task preferring
/// `socket.loop.taskExecutor`) need no thread hop. A `receive()` from anywhere else first takes
/// messages the socket has already read ahead (no hop); only when there are none does it hop
/// to the loop, which then reads up to ``ContextConfiguration/receiveBatchSize`` messages (at
/// most ``ContextConfiguration/receiveBatchByteLimit`` bytes) at once.
///
/// **Cancellation and timeouts lose nothing.** A receive that is cancelled or times out takes
/// no message: the next receive gets it. A send that is cancelled or times out has sent
/// nothing; a send that goes through hands all of a message's frames to libzmq at once.
public actor Socket<Role: SocketRole>: CustomStringConvertible {
    nonisolated let core: SocketCore

    /// The poll loop that owns this socket; its ``PollLoop/taskExecutor`` runs tasks that talk
    /// to the socket without thread hops.
    public nonisolated var loop: PollLoop { core.loop }

    /// The libzmq socket type.
    public nonisolated var type: SocketType { Role.type }

    /// `TYPE#n`: the socket's name in errors and logs.
    public nonisolated var description: String { core.label }

    /// The socket's loop is its executor.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        core.loop.asUnownedSerialExecutor()
    }

    /// Creates a socket on `context`.
    ///
    /// - Parameters:
    ///   - context: the context that owns the socket.
    ///   - loop: the poll loop to pin the socket to; by default the context's loops take turns.
    /// - Throws: ``ZeroMQError`` with ``ZeroMQError/Code-swift.struct/contextTerminated`` after
    ///   shutdown; ``ZeroMQError/Code-swift.struct/libzmq`` with `EMFILE` past
    ///   ``ContextConfiguration/maximumSockets``; ``ZeroMQError/Code-swift.struct/systemResource``
    ///   with `EMFILE` when the process is out of file descriptors (`ulimit -n`).
    public init(_ context: Context, on loop: PollLoop? = nil) throws {
        core = try Self.makeCore(storage: context.storage, loop: try context.loop(for: loop), logger: context.logger)
    }

    /// A socket made by the library itself (a device's control socket).
    init(storage: ContextStorage, loop: PollLoop, logger: Logger) throws(ZeroMQError) {
        core = try Self.makeCore(storage: storage, loop: loop, logger: logger)
    }

    // Both initializers assign `core` themselves: making one delegate to the other
    // (`self.init(...)`) built, with Swift 6.3.1, sockets whose jobs crashed on the loop.
    private static func makeCore(storage: ContextStorage, loop: PollLoop, logger: Logger) throws(ZeroMQError) -> SocketCore {
        let core = try storage.makeSocket(type: Role.type) { handle, label in
            SocketCore(handle: handle, type: Role.type, label: label, loop: loop, context: storage, logger: logger)
        }
        core.logger.trace("socket created", metadata: ["zmq.loop": "\(loop.index)"])
        return core
    }

    /// Whether the socket has been closed (by ``close()`` or its context's shutdown).
    public var isClosed: Bool { core.isClosed }

    /// Closes the socket. Pending receives and sends fail with
    /// ``ZeroMQError/Code-swift.struct/socketClosed``; messages already queued for sending get
    /// the socket's linger (at most ``ContextConfiguration/shutdownLinger`` if it is infinite).
    /// Closing twice does nothing.
    ///
    /// **Closing a sender over `ipc` can lose messages** whatever the linger (libzmq issue 4660,
    /// libzmq 4.3.4 and 4.3.5): when the receiver is behind (its receive high-water mark
    /// reached), the hang-up makes its libzmq drop the connection, and the messages still in the
    /// kernel's socket buffer with it. Linger does not help: they had already left the sender.
    /// Over `tcp` this loses less, but not nothing: with small kernel socket buffers, or on a
    /// loaded machine, the tail can go too. When the last messages matter, close only after the
    /// receiver has acknowledged the last one (or, over `ipc`, give the receiver
    /// ``SocketOption/receiveHighWaterMark`` 0). See Docs/Reliability.md.
    public func close() {
        core.close(because: "the socket was closed")
    }

    /// Receives and sends waiting on this socket now: lets a test wait until a call it started
    /// is really waiting, instead of sleeping.
    var waitingCalls: (receives: Int, sends: Int) {
        (core.confined.receivers.count, core.confined.senders.count)
    }
}

extension Socket {
    /// Suspends until the loop resumes the continuation that `register` hands to the core;
    /// `cancel` runs (on any thread) if the task is cancelled meanwhile
    /// (``PollLoop/withThrowingContinuation(isolation:_:onCancel:)``).
    func waitOnLoop<Result: Sendable>(
        register: (UnsafeContinuation<Result, any Error>) -> Void,
        onCancel cancel: @escaping @Sendable () -> Void
    ) async throws -> Result {
        try await core.loop.withThrowingContinuation(isolation: self, register, onCancel: cancel)
    }

    /// Calls `body` with the libzmq socket handle, on the socket's loop thread: an escape hatch
    /// for libzmq calls this package does not wrap, and for raw baselines in benchmarks.
    ///
    /// Rules: do not keep the handle beyond `body`, do not close it, and do not make blocking
    /// calls that may wait (they stall every socket on the loop). Messages taken this way bypass
    /// the socket's read-ahead, so do not mix with concurrent `receive()` calls.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/socketClosed`` when the socket is closed, or
    ///   what `body` throws.
    public func withUnsafeHandle<Result: Sendable>(
        _ body: (UnsafeMutableRawPointer) throws -> Result
    ) throws -> Result {
        try body(try core.liveHandle(for: "withUnsafeHandle"))
    }
}
