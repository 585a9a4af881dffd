extension PollLoop {
    /// A timer scheduled with ``schedule(after:_:)``, kept to ``cancel(_:)`` it.
    public struct ScheduledTimer: Hashable, Sendable {
        let id: TimerHeap.ID
    }

    /// Runs `action` on this loop's thread once `delay` has passed.
    ///
    /// The loop's timers cost no thread: the earliest deadline bounds the loop's `zmq_poll`
    /// timeout. Use them for per-operation timeouts in code that already runs on the loop (an
    /// actor whose executor is this loop, or a task preferring ``taskExecutor``).
    ///
    /// - Precondition: the caller runs on this loop's thread (``isCurrentThread``). Timers are
    ///   the loop's thread-confined state; from elsewhere, schedule inside ``execute(_:)``.
    public func schedule(after delay: Duration, _ action: @escaping () -> Void) -> ScheduledTimer {
        precondition(isCurrentThread, "PollLoop.schedule(after:_:) called off loop \(index)")
        return ScheduledTimer(id: schedule(after: delay, action))
    }

    /// Cancels a timer from ``schedule(after:_:)``; does nothing if it already fired.
    ///
    /// - Precondition: the caller runs on this loop's thread (``isCurrentThread``).
    public func cancel(_ timer: ScheduledTimer) {
        precondition(isCurrentThread, "PollLoop.cancel(_:) called off loop \(index)")
        cancelTimer(timer.id)
    }
}
