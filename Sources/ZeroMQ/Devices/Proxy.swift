import CZeroMQ
import Logging
import Synchronization
import ZeroMQSupport

/// A ZeroMQ device: moves messages between a frontend and a backend socket at libzmq's own
/// speed, with `zmq_proxy_steerable` on a thread of its own.
///
/// The seed's three devices:
/// - ``streamer(frontend:backend:capture:)``: PULL → PUSH, for pipelines;
/// - ``forwarder(frontend:backend:capture:)``: XSUB → XPUB, for publish/subscribe (subscriptions
///   flow back from subscribers to publishers);
/// - ``queue(frontend:backend:capture:)``: ROUTER → DEALER, for request/reply, so that clients
///   and servers can come and go.
///
/// ```swift
/// let frontend = try PullSocket(context)
/// try await frontend.bind("tcp://127.0.0.1:5691")
/// let backend = try PushSocket(context)
/// try await backend.bind("tcp://127.0.0.1:5692")
/// let streamer = try Proxy.streamer(frontend: frontend, backend: backend)
/// try await streamer.run()   // until the task is cancelled or streamer.terminate()
/// ```
///
/// Bind and connect the sockets and set their options first: ``run()`` hands them over to the
/// proxy's thread whole (libzmq allows moving a socket between threads through a full memory
/// barrier), after which they behave as closed in Swift and the proxy closes them when it ends.
/// Nothing is left running once ``run()`` returns.
///
/// The proxy moves a message only when the other side can take it: with no worker connected to
/// a Streamer's backend, messages wait in the frontend's queue (and, past its high-water mark,
/// in the senders), not inside the proxy, and control commands are still answered.
///
/// While it runs, ``pause()``, ``resume()``, ``terminate()`` and ``statistics()`` steer it
/// through an inproc control socket, from any task, even one being cancelled.
///
/// Security is per socket, so the frontend and the backend each have their own: secure each
/// with ``Socket/setSecurity(_:)`` before binding. A Queue whose frontend faces the network
/// with CURVE, guarded by a ``ZAPAuthenticator`` on the context, and whose backend stays NULL
/// on inproc keeps strangers away from every server behind it:
///
/// ```swift
/// try await frontend.setSecurity(.curveServer(keys: brokerKeys))
/// try await frontend.bind("tcp://*:5555")
/// try await backend.bind("inproc://workers")
/// ```
///
/// A frontend connection's `User-Id` is for the frontend: do not count on the servers behind
/// the device seeing it (a `RequestService` behind a Queue with an inproc backend sees none in
/// its request context; the tests check that).
public final class Proxy: Sendable {
    /// One socket the proxy takes over: its name and how to take it.
    struct Member: Sendable {
        let label: String
        let identity: ObjectIdentifier
        let takeOver: @Sendable () async throws(ZeroMQError) -> SocketHandle

        init<Role: SocketRole>(_ socket: Socket<Role>) {
            label = socket.description
            identity = ObjectIdentifier(socket.core)
            takeOver = { () async throws(ZeroMQError) -> SocketHandle in try await socket.handOver(to: "a proxy") }
        }
    }

    private let frontend: Member
    private let backend: Member
    private let capture: Member?
    /// Our end of the control channel; the proxy thread binds the other end.
    private let control: PairSocket
    private let controlEndpoint: String
    private let context: ContextStorage
    private let logger: Logger
    /// The lifecycle every long-running object of the package shares (idle, running,
    /// draining once terminated, finished).
    private let lifecycle = Lock(Lifecycle())

    private static let nextNumber = Atomic<Int>(0)

    /// A proxy between any two sockets of one context, with an optional capture socket that
    /// gets a copy of every message.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidArgument`` when the sockets are the same
    ///   or belong to different contexts; ``ZeroMQError`` when the control socket cannot be made.
    public init<Frontend: SocketRole, Backend: SocketRole>(
        frontend: Socket<Frontend>,
        backend: Socket<Backend>,
        capture: ProxyCapture? = nil
    ) throws(ZeroMQError) {
        let members = [Member(frontend), Member(backend)] + (capture.map { [$0.member] } ?? [])
        guard Set(members.map(\.identity)).count == members.count else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create proxy", socket: frontend.description,
                reason: "the frontend, backend and capture sockets must be three different sockets"
            )
        }
        let context = frontend.core.context
        guard backend.core.context === context, capture.map({ $0.context === context }) ?? true else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "create proxy", socket: frontend.description,
                reason: "the proxy's sockets must all belong to the same context"
            )
        }
        self.frontend = members[0]
        self.backend = members[1]
        self.capture = capture?.member
        self.context = context
        var logger = frontend.core.logger
        logger[metadataKey: "zmq.socket"] = nil
        logger[metadataKey: "zmq.proxy"] = "\(frontend.description)→\(backend.description)"
        self.logger = logger
        control = try PairSocket(storage: context, loop: frontend.loop, logger: logger)
        let number = Self.nextNumber.wrappingAdd(1, ordering: .relaxed).newValue
        controlEndpoint = "inproc://swift-zeromq.proxy-control.\(number)"
    }

    /// The Streamer device: a PULL frontend that pushers connect to, a PUSH backend that pullers
    /// connect to.
    ///
    /// - Throws: as ``init(frontend:backend:capture:)``.
    public static func streamer(frontend: PullSocket, backend: PushSocket, capture: ProxyCapture? = nil) throws(ZeroMQError) -> Proxy {
        try Proxy(frontend: frontend, backend: backend, capture: capture)
    }

    /// The Forwarder device: an XSUB frontend that publishers connect to, an XPUB backend that
    /// subscribers connect to. Subscriptions travel from the backend to the frontend.
    ///
    /// - Throws: as ``init(frontend:backend:capture:)``.
    public static func forwarder(frontend: XSubSocket, backend: XPubSocket, capture: ProxyCapture? = nil) throws(ZeroMQError) -> Proxy {
        try Proxy(frontend: frontend, backend: backend, capture: capture)
    }

    /// The Queue device: a ROUTER frontend that REQ clients connect to, a DEALER backend that
    /// REP servers connect to. Requests are shared out among servers; replies find their way back.
    ///
    /// - Throws: as ``init(frontend:backend:capture:)``.
    public static func queue(frontend: RouterSocket, backend: DealerSocket, capture: ProxyCapture? = nil) throws(ZeroMQError) -> Proxy {
        try Proxy(frontend: frontend, backend: backend, capture: capture)
    }

    // MARK: Running

    /// Takes the sockets over and runs the proxy on a thread of its own until the task is
    /// cancelled, ``terminate()`` is called or the context is shut down; then closes the sockets.
    ///
    /// Returns normally in all three cases. A task cancelled before `run()` takes the sockets
    /// over returns at once and leaves them to you, and so does `run()` after ``terminate()``
    /// was called before it.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidState`` when the proxy runs or ran
    ///   already (a proxy runs once, like the services of `ZeroMQServices`) or when a socket
    ///   cannot be handed over (closed, or with receives waiting or messages read ahead);
    ///   ``ZeroMQError`` when libzmq fails.
    public func run() async throws {
        switch lifecycle.withLock({ $0.run() }) {
        case .start:
            break
        case .returnAtOnce:
            // Terminated before it ran: the sockets stay the caller's.
            closeControl()
            return
        case .refuse(let refusal):
            throw ZeroMQError(
                code: .invalidState, operation: "run proxy", socket: frontend.label, reason: refusal.reason(for: "the proxy")
            )
        }
        let handles: Handles
        do {
            try await control.connect(controlEndpoint)
            try Task.checkCancellation()
            handles = try await takeOverSockets()
        } catch {
            finish()
            if error is CancellationError { return }
            throw error
        }
        // From here a cancellation sends TERMINATE (queued in the control pipe even before the
        // proxy thread binds its end), so the proxy starts, ends and closes the sockets.
        logger.debug("proxy starting")
        let core = control.core
        let lifecycle = self.lifecycle
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Void, ZeroMQError>, Never>) in
                startThread(handles) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            _ = lifecycle.withLock { $0.beginShutdown() }
            core.loop.execute { _ = try? core.sendImmediately(Message("TERMINATE")) }
        }
        logger.debug("proxy ended")
        try outcome.get()
    }

    // The control calls below are not interrupted by cancelling the calling task: the proxy
    // answers at once, or the call fails when the proxy ends. So a task that is being cancelled
    // (for example on a shutdown signal) can still read the final statistics and terminate.

    /// Pauses the proxy: messages wait in the sockets' queues until ``resume()``.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidState`` when the proxy is not running.
    public func pause() async throws {
        try await shielded { try await self.command("PAUSE") }
    }

    /// Resumes a paused proxy.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidState`` when the proxy is not running.
    public func resume() async throws {
        try await shielded { try await self.command("RESUME") }
    }

    /// Ends the proxy: ``run()`` closes the sockets and returns. Before ``run()``, makes `run()`
    /// return at once, leaving the sockets to you; while terminating or after the end, does
    /// nothing.
    ///
    /// - Throws: ``ZeroMQError`` when the control socket fails.
    public func terminate() async throws {
        switch lifecycle.withLock({ $0.beginShutdown() }) {
        case .drain:
            try await shielded { try await self.control.send("TERMINATE") }
        case .stopBeforeRun, .none:
            return
        }
    }

    /// The proxy's message and byte counters so far.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidState`` when the proxy is not running
    ///   (or ends before answering).
    public func statistics() async throws -> ProxyStatistics {
        try await shielded { try await self.exchangeStatistics() }
    }

    private func exchangeStatistics() async throws -> ProxyStatistics {
        try await command("STATISTICS")
        let reply: Message
        do {
            reply = try await control.receive()
        } catch let error as ZeroMQError where error.code == .socketClosed {
            throw notRunning("statistics")
        }
        guard let statistics = ProxyStatistics(reply) else {
            // libzmq's proxy broke its own control protocol: a protocol error, as errno says it.
            throw ZeroMQError(
                code: .libzmq, operation: "statistics", socket: frontend.label, errno: EPROTO,
                reason: "unexpected reply from zmq_proxy_steerable: \(reply.frameCount) frames, expected 8 counters of 8 bytes"
            )
        }
        return statistics
    }

    /// Runs a control exchange in a task of its own, which the caller's cancellation does not reach.
    private func shielded<T: Sendable>(_ exchange: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await exchange() }.value
    }

    private func command(_ name: String) async throws {
        guard lifecycle.withLock({ $0.state == .running || $0.state == .draining }) else {
            throw notRunning(name.lowercased())
        }
        do {
            try await control.send(name)
        } catch let error as ZeroMQError where error.code == .socketClosed {
            throw notRunning(name.lowercased())
        }
    }

    private func notRunning(_ operation: String) -> ZeroMQError {
        ZeroMQError(code: .invalidState, operation: operation, socket: frontend.label, reason: "the proxy is not running")
    }

    /// Marks the proxy finished and closes our end of the control channel.
    private func finish() {
        lifecycle.withLock { $0.finish() }
        closeControl()
    }

    /// Closes our end of the control channel.
    private func closeControl() {
        let core = control.core
        core.loop.execute { core.close(because: "the proxy ended") }
    }

    // MARK: The proxy thread

    /// The libzmq sockets the proxy thread owns.
    private struct Handles: Sendable {
        var frontend: SocketHandle
        var backend: SocketHandle
        var capture: SocketHandle?
        let lingerCap: Duration

        func closeAll() {
            for handle in [frontend, backend] + (capture.map { [$0] } ?? []) {
                SocketCore.closeHandle(handle, lingerCap: lingerCap)
            }
        }
    }

    /// Takes each socket from its loop; on failure gives back none of them (those already taken
    /// are closed, since their Swift side already counts them as gone).
    private func takeOverSockets() async throws -> Handles {
        var taken: [SocketHandle] = []
        do {
            for member in [frontend, backend] + (capture.map { [$0] } ?? []) {
                taken.append(try await member.takeOver())
            }
        } catch {
            for handle in taken { SocketCore.closeHandle(handle, lingerCap: context.configuration.shutdownLinger) }
            throw error
        }
        return Handles(
            frontend: taken[0], backend: taken[1], capture: taken.count > 2 ? taken[2] : nil,
            lingerCap: context.configuration.shutdownLinger
        )
    }

    /// Runs `zmq_proxy_steerable` on a new thread, which owns the sockets from here on (thread
    /// creation is the full memory barrier libzmq asks for), then closes them and reports.
    private func startThread(_ handles: Handles, done: @escaping @Sendable (Result<Void, ZeroMQError>) -> Void) {
        let contextHandle = ContextHandle(raw: context.handle)
        let endpoint = controlEndpoint
        let label = frontend.label
        let finish = { @Sendable [self] (result: Result<Void, ZeroMQError>) in
            handles.closeAll()
            self.finish()
            done(result)
        }
        do {
            try LoopThread.start(name: "zmq-proxy") {
                guard let controlSocket = zmq_socket(contextHandle.raw, ZMQ_PAIR) else {
                    return finish(.failure(ZeroMQError.libzmq("run proxy", socket: label)))
                }
                defer {
                    var zero: Int32 = 0
                    _ = zmq_setsockopt(controlSocket, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
                    _ = zmq_close(controlSocket)
                }
                do throws(ZeroMQError) {
                    try LibZMQCall.checked("run proxy", socket: label, endpoint: endpoint) { zmq_bind(controlSocket, endpoint) }
                } catch {
                    return finish(.failure(error))
                }
                // A signal makes libzmq's poll, and so the proxy, fail with EINTR: it is simply
                // called again (its state is in the sockets).
                let errno = LibZMQCall.errno(of: {
                    zmq_proxy_steerable(handles.frontend.raw, handles.backend.raw, handles.capture?.raw, controlSocket)
                })
                // 0: TERMINATE; ETERM: the context was shut down. Both are a normal end.
                if errno == 0 || errno == ErrnoName.ETERM {
                    finish(.success(()))
                } else {
                    finish(.failure(ZeroMQError.libzmq("zmq_proxy_steerable", socket: label, errno: errno)))
                }
            }
        } catch {
            finish(.failure(error))
        }
    }
}

/// A socket that receives a copy of every message a ``Proxy`` moves (both directions), for
/// logging or tapping, typically a PUB or PUSH bound where a monitor can connect.
///
/// libzmq 4.3 also copies the proxy's control commands to it: each ``Proxy/pause()``,
/// ``Proxy/resume()``, ``Proxy/terminate()`` and ``Proxy/statistics()`` call shows up on the
/// capture socket as a message `PAUSE`, `RESUME`, `TERMINATE` or `STATISTICS`.
public struct ProxyCapture: Sendable {
    let member: Proxy.Member
    let context: ContextStorage

    /// Uses `socket`, which must be able to send, as the capture socket.
    public init<Role: SendingRole>(_ socket: Socket<Role>) {
        member = Proxy.Member(socket)
        context = socket.core.context
    }
}
