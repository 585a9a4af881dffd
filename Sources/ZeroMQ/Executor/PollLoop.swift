import CZeroMQ
import DequeModule
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A thread that owns libzmq sockets and runs the jobs of the socket actors pinned to it.
///
/// Each turn the loop
/// 1. takes every job queued so far and runs it (actor jobs, tasks that prefer this loop), then
///    the jobs those queued, up to a budget,
/// 2. fires the timers that are due (receive and send timeouts),
/// 3. calls `zmq_poll` on the sockets that have waiters, the plain file descriptors watched (a
///    discovery ``Beacon``'s UDP socket) and an eventfd for wake-ups, with a
///    timeout of 0 when work is queued, else until the next timer (or forever),
/// 4. hands each ready socket its events; a socket serves a bounded batch per turn, so one busy
///    socket cannot starve the others.
///
/// `zmq_poll` asks libzmq for every socket's events on every call, so readiness is level-triggered
/// by construction (the `ZMQ_FD` edge-trigger pitfall cannot occur). An idle loop is blocked in
/// `zmq_poll`, not spinning; with ``ContextConfiguration/busyPolling`` it polls with a timeout
/// of 0 for that long after its last activity before it sleeps.
///
/// The loop is the `SerialExecutor` of every socket actor created on it; ``taskExecutor`` lets a
/// task run on the loop thread too, so its calls into those sockets need no thread hop:
///
/// ```swift
/// Task(executorPreference: socket.loop.taskExecutor) {
///     for try await message in socket.messages { ... }   // no hop per message
/// }
/// ```
///
/// **Threading invariant.** No thread other than the loop's ever calls libzmq on one of its
/// sockets. Everything that touches a socket handle is reached only from the loop thread (actor
/// isolation or loop closures), and debug builds check it on every access (each socket's
/// loop-confined core checks that it runs on its loop's thread).
///
/// A loop lives as long as its context or any socket on it; then its thread ends by itself.
public final class PollLoop: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `queue`, `threadID`, `users` and the lets are thread-safe; `confined`
    // is touched only on the loop thread (checked by `preconditionOnLoop()` in debug builds).

    /// This loop's position in its context's loops (0-based); used in thread names and logs.
    public let index: Int

    /// The task executor that runs tasks on this loop's thread, for `Task(executorPreference:)`
    /// and `withTaskExecutorPreference(_:operation:)`. Calls from such a task into sockets of
    /// this loop run without a thread hop. Valid while the loop's context or a socket on it lives.
    public let taskExecutor: PollLoopTaskExecutor

    let queue: JobQueue
    let logger: Logger
    private let threadID = Atomic<UInt>(0)
    /// Context plus sockets using this loop; at zero the thread stops.
    private let users = Atomic<Int>(0)
    /// Turns the loop has made (for tests that prove a path costs no job switch).
    let turns = Atomic<Int>(0)

    /// Loop-thread state, reached only through `confined`, which checks the thread in debug
    /// builds. Behind a pointer so that accesses cost no dynamic exclusivity check. Freed in
    /// deinit, which runs only after the loop thread (which holds the loop) has finished.
    private let _confined: UnsafeMutablePointer<Confined> = {
        let pointer = UnsafeMutablePointer<Confined>.allocate(capacity: 1)
        pointer.initialize(to: Confined())
        return pointer
    }()

    private var confined: Confined {
        _read {
            preconditionOnLoop()
            yield _confined.pointee
        }
        _modify {
            preconditionOnLoop()
            yield &_confined.pointee
        }
    }

    private struct Confined {
        var registry = PollRegistry()
        var timers = TimerHeap()
        var running = true
        /// Plain file descriptors polled beside the sockets (a discovery beacon's UDP socket).
        var descriptors: [DescriptorWatch] = []
        /// Messages handed out on the fast paths (no suspension) since the last poll.
        var handedOut = 0
        /// Tasks that yielded until after the next poll (``yieldUntilPolled()``).
        var yielders: [UnsafeContinuation<Void, Never>] = []
    }

    /// A plain file descriptor the loop polls for input, and what to run when it is readable.
    struct DescriptorWatch {
        var descriptor: Int32
        var onReadable: () -> Void
    }

    /// Initial capacity of the poll set.
    static let pollItemsReserve = 16

    /// Jobs run per turn before the loop polls its sockets again (fairness towards sockets when
    /// jobs keep queueing more jobs).
    static let jobBudget = 256

    /// Messages code on the loop may take without suspending before it yields until the loop has
    /// polled (fairness towards the other sockets of the loop, when one is flooded).
    static let handOutBudget = 1024

    /// How long the loop keeps polling without sleeping after its last activity
    /// (``ContextConfiguration/busyPolling``); zero: it sleeps as soon as it has nothing to do.
    let busyPolling: Duration

    init(index: Int, name: String, busyPolling: Duration = .zero, logger: Logger) throws(ZeroMQError) {
        self.index = index
        self.busyPolling = busyPolling
        self.logger = logger
        let queue = try JobQueue()
        self.queue = queue
        self.taskExecutor = PollLoopTaskExecutor(queue: queue)
        try LoopThread.start(name: name) { [self] in
            self.run()
        }
    }

    deinit {
        _confined.deinitialize(count: 1)
        _confined.deallocate()
    }

    // MARK: Lifetime

    /// Someone (the context, a socket) needs this loop to keep running.
    func retainUser() {
        users.wrappingAdd(1, ordering: .relaxed)
    }

    /// A user is gone; the last one stops the loop once the queued work has run.
    func releaseUser() {
        if users.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            queue.enqueue(.closure { [self] in self.confined.running = false })
        }
    }

    // MARK: Thread identity

    /// Whether the calling thread is this loop's thread.
    public var isCurrentThread: Bool {
        threadID.load(ordering: .relaxed) == UInt(pthread_self())
    }

    /// Traps in debug builds when called off the loop thread. Guards every libzmq call on a socket.
    @inline(__always)
    func preconditionOnLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(isCurrentThread, "libzmq socket touched off its poll loop thread", file: file, line: line)
    }

    // MARK: SerialExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.enqueue(.serial(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func isIsolatingCurrentContext() -> Bool? {
        isCurrentThread
    }

    public func checkIsolated() {
        precondition(isCurrentThread, "expected to run on poll loop \(index)")
    }

    // MARK: Work from other threads

    /// Runs `body` on the loop thread, soon, after the jobs already queued. Safe from any thread.
    ///
    /// Cheaper than a `Task` for a short piece of loop work (a cancellation handler that must
    /// touch loop-confined state, say): no task is created.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        queue.enqueue(.closure(body))
    }

    /// Runs `body` on the loop thread and returns its result. Inline when already on the loop.
    func submit<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        if isCurrentThread { return body() }
        return await withUnsafeContinuation { continuation in
            execute { continuation.resume(returning: body()) }
        }
    }

    // MARK: Loop-thread services for sockets

    /// Starts or stops polling `source` according to its current ``PollSource/pollEvents``.
    ///
    /// - Returns: whether the loop polls `source` now.
    @discardableResult
    func updateInterest(_ source: any PollSource) -> Bool {
        preconditionOnLoop()
        return confined.registry.update(source)
    }

    /// Polls `descriptor` (a plain file descriptor, not a libzmq socket) for input beside the
    /// sockets, and runs `onReadable` on the loop thread each turn it is readable (level-triggered:
    /// read it until `EAGAIN`, or it fires again next turn). ``stopWatching(_:)`` must come
    /// before the descriptor is closed.
    func watch(readable descriptor: Int32, _ onReadable: @escaping () -> Void) {
        preconditionOnLoop()
        confined.descriptors.removeAll { $0.descriptor == descriptor }
        confined.descriptors.append(DescriptorWatch(descriptor: descriptor, onReadable: onReadable))
    }

    /// Stops polling a descriptor given to ``watch(readable:_:)``; does nothing if it is not watched.
    func stopWatching(_ descriptor: Int32) {
        preconditionOnLoop()
        confined.descriptors.removeAll { $0.descriptor == descriptor }
    }

    /// Schedules `action` on this loop after `delay`.
    func schedule(after delay: Duration, _ action: @escaping () -> Void) -> TimerHeap.ID {
        preconditionOnLoop()
        return confined.timers.schedule(at: .now + delay, action)
    }

    // MARK: Fairness

    /// Counts `count` messages handed out on the loop without a suspension (the receive fast
    /// paths); ``mustYield`` says when they add up to ``handOutBudget``.
    func countHandedOut(_ count: Int) {
        confined.handedOut &+= count
    }

    /// Whether code on the loop has taken ``handOutBudget`` messages since the last poll without
    /// suspending, and must ``yieldUntilPolled()`` before taking more: otherwise a socket that
    /// keeps receiving would hold the loop thread, and the loop's other sockets would starve.
    var mustYield: Bool {
        confined.handedOut >= Self.handOutBudget
    }

    /// Suspends the calling task (which runs on this loop) until the loop has polled its sockets
    /// and served the ready ones; then it goes on, on the loop (under a preference for the loop's
    /// task executor, so the resumption costs no thread hand-off; see ``withContinuation(isolation:_:onCancel:)``).
    func yieldUntilPolled(isolation: isolated (any Actor)? = #isolation) async {
        await withTaskExecutorPreference(taskExecutor, isolation: isolation) {
            await withUnsafeContinuation(isolation: isolation) { (continuation: UnsafeContinuation<Void, Never>) in
                confined.yielders.append(continuation)
            }
        }
    }

    /// After a poll: the budget starts again, and the tasks that yielded go on.
    private func resumeYielders() {
        confined.handedOut = 0
        guard !confined.yielders.isEmpty else { return }
        let yielders = confined.yielders
        confined.yielders.removeAll(keepingCapacity: true)
        for yielder in yielders { yielder.resume() }
    }

    /// Cancels a timer scheduled with ``schedule(after:_:)``.
    func cancelTimer(_ id: TimerHeap.ID) {
        preconditionOnLoop()
        confined.timers.cancel(id)
    }

    // MARK: The loop

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        logger.debug("poll loop started", metadata: ["zmq.loop": "\(index)"])
        var batch = Deque<LoopWork>()
        var items: [zmq_pollitem_t] = []
        var polled: [any PollSource] = []
        var watched: [Int32] = []
        items.reserveCapacity(Self.pollItemsReserve)
        let serial = asUnownedSerialExecutor()
        let task = taskExecutor.asUnownedTaskExecutor()
        // Busy polling: after its last activity the loop polls without sleeping for this long.
        var lastActivity = ContinuousClock.now

        while confined.running {
            turns.wrappingAdd(1, ordering: .relaxed)
            // 1. Jobs queued so far, and the jobs they queue in turn (a continuation resumed, an
            //    actor hop), up to a budget: a chain of jobs costs no poll per link, and sockets
            //    are still served when jobs keep coming.
            var jobs = 0
            while jobs < Self.jobBudget {
                queue.takeAll(into: &batch)
                guard !batch.isEmpty else { break }
                jobs += batch.count
                while let work = batch.popFirst() {
                    switch work {
                    case .serial(let job): job.runSynchronously(on: serial)
                    case .task(let job): job.runSynchronously(on: task)
                    case .closure(let body): body()
                    }
                }
            }

            // 2. Timers that are due.
            var now = ContinuousClock.now
            if jobs > 0 { lastActivity = now }
            for action in confined.timers.takeExpired(now: now) { action() }
            guard confined.running else { break }

            // 3. Poll the wake-up fd and the sockets that have waiters.
            items.removeAll(keepingCapacity: true)
            polled.removeAll(keepingCapacity: true)
            items.append(zmq_pollitem_t(socket: nil, fd: queue.wakeup.descriptor, events: Int16(ZMQ_POLLIN), revents: 0))
            for source in confined.registry.sources {
                guard let handle = source.pollHandle else { continue }
                items.append(zmq_pollitem_t(socket: handle, fd: 0, events: source.pollEvents, revents: 0))
                polled.append(source)
            }
            watched.removeAll(keepingCapacity: true)
            for watch in confined.descriptors {
                items.append(zmq_pollitem_t(socket: nil, fd: watch.descriptor, events: Int16(ZMQ_POLLIN), revents: 0))
                watched.append(watch.descriptor)
            }
            now = ContinuousClock.now
            // Tasks that yielded for fairness wait for this poll: it must not block.
            // Busy polling: no sleep for a while after the last job or readiness, so the next
            // message or job is found without a wake-up; a turn with nothing to do lets the
            // other threads of this core run first.
            let spinning = busyPolling > .zero && now - lastActivity < busyPolling
            if spinning && jobs == 0 { sched_yield() }
            let sleeps = !spinning && confined.yielders.isEmpty && queue.prepareToSleep()
            // Jobs are waiting and no socket is polled: the poll could only report the wake-up.
            guard sleeps || spinning || !polled.isEmpty || !watched.isEmpty || !confined.yielders.isEmpty else { continue }
            let timeout = sleeps ? confined.timers.pollTimeout(now: now) : 0
            let count = items.withUnsafeMutableBufferPointer { buffer in
                zmq_poll(buffer.baseAddress, Int32(buffer.count), timeout)
            }
            if sleeps { queue.awoke() }
            guard count > 0 else {
                // 0: timeout. -1: EINTR (retry next turn) or ETERM (the context is going away;
                // its sockets are being closed by jobs already queued).
                if count < 0, zmq_errno() != EINTR {
                    logger.debug(
                        "zmq_poll failed",
                        metadata: ["zmq.loop": "\(index)", "zmq.errno": "\(ErrnoName.name(of: zmq_errno()))"]
                    )
                }
                resumeYielders()
                continue
            }

            // 4. Hand out readiness. (`now` was read before the poll, which may have slept.)
            if busyPolling > .zero { lastActivity = .now }
            if items[0].revents != 0 { queue.wakeup.drain() }
            for slot in polled.indices where items[slot + 1].revents != 0 {
                polled[slot].handleReady(items[slot + 1].revents)
            }
            let firstWatched = polled.count + 1
            for (offset, descriptor) in watched.enumerated() where items[firstWatched + offset].revents != 0 {
                // Looked up again: a handler run before may have stopped this watch.
                let handler = confined.descriptors.first { $0.descriptor == descriptor }?.onReadable
                handler?()
            }
            // After the ready sockets: their waiters' tasks run before the tasks that yielded.
            resumeYielders()
        }
        polled.removeAll()
        confined.registry.removeAll()
        confined.descriptors.removeAll()
        logger.debug("poll loop stopped", metadata: ["zmq.loop": "\(index)"])
    }
}

/// Runs tasks on a ``PollLoop``'s thread.
///
/// Obtain it from ``PollLoop/taskExecutor`` (or `socket.loop.taskExecutor`). A task that prefers
/// it runs on the loop's thread between polls, so `receive()`, `send(_:)` and `messages` on a
/// socket of the same loop talk to libzmq directly: no thread hop, no job switch. (Calls that
/// enter the socket actor, such as `bind` or a receive that must wait, switch jobs on the same
/// thread.)
public final class PollLoopTaskExecutor: TaskExecutor {
    private let queue: JobQueue

    init(queue: JobQueue) {
        self.queue = queue
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.enqueue(.task(UnownedJob(job)))
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
