/// The lifecycle every long-running object of the package shares (`RequestClient`,
/// `RequestService`, `EventPublisher`, `EventSubscriber`, `Proxy`), as a pure state machine:
/// each event returns what its owner must do, and the owner (the thin shell with the sockets)
/// does it. No clock, no lock, no socket: the shells keep it under their own lock or on their
/// loop, and the tests drive it directly.
///
/// ```
///   idle ──run()──▶ running ──shutdown──▶ draining ──finish()──▶ finished
///    │                 └──────────────finish()─────────────────────▲
///    └──shutdown──▶ stoppedBeforeRun ──run()──(returns at once)─────┘
/// ```
///
/// One answer to every misuse, the same for all five types (Docs/TypedMessaging.md,
/// *Lifecycle*):
/// - `run()` while running or after it ended is refused: the shell throws
///   `ZeroMQError(.invalidState)` with ``Refusal/reason``. Nothing else changes.
/// - A shutdown before `run()` is remembered: the shell releases what it can at once, and a
///   later `run()` returns at once, without error.
/// - A shutdown while shutting down, or after the end, does nothing.
/// - New work (a request, an event to publish) is taken only while ``acceptsWork``.
package struct Lifecycle: Sendable, Hashable {
    /// Where the object is in its life.
    package enum State: Sendable, Hashable {
        /// Made; `run()` has not been called and no shutdown was asked for.
        case idle
        /// A shutdown was asked for before `run()`; `run()` will return at once.
        case stoppedBeforeRun
        /// `run()` runs.
        case running
        /// `run()` runs, shutting down: it takes no new work and finishes what it has.
        case draining
        /// `run()` has returned (or returned at once after a shutdown before it).
        case finished
    }

    /// Why `run()` was refused.
    package enum Refusal: Sendable, Hashable {
        /// `run()` runs already (a second call while it runs).
        case alreadyRunning
        /// `run()` ran and returned: the object cannot be started again.
        case alreadyRan

        /// The reason an error states, naming the object (`"the request service"`).
        package func reason(for object: String) -> String {
            switch self {
            case .alreadyRunning: "\(object) is already running: run() is called once"
            case .alreadyRan: "\(object) has already run; make a new one"
            }
        }
    }

    /// What the shell does when `run()` is called.
    package enum RunAction: Sendable, Hashable {
        /// Start the work (read, serve, proxy) until a shutdown or cancellation.
        case start
        /// A shutdown came first: release what is left and return without error.
        case returnAtOnce
        /// Throw `ZeroMQError(.invalidState)` for this misuse.
        case refuse(Refusal)
    }

    /// What the shell does when a shutdown is asked for.
    package enum ShutdownAction: Sendable, Hashable {
        /// Nothing: a shutdown is under way, or the object has finished.
        case none
        /// Before `run()`: refuse new work, fail what waits for `run()`, release what can be
        /// released now.
        case stopBeforeRun
        /// While running: stop taking new work and let `run()` finish what is in flight.
        case drain
    }

    /// The current state.
    package private(set) var state: State = .idle

    package init() {}

    /// Whether new work is taken: before `run()` (it waits for `run()`, or is served as it
    /// comes where the object needs no `run()` for it) and while it runs, not once a shutdown
    /// was asked for.
    package var acceptsWork: Bool {
        state == .idle || state == .running
    }

    /// Whether a shutdown was asked for (or `run()` ended): what a shell checks before it
    /// starts new work.
    package var isShuttingDown: Bool {
        !acceptsWork
    }

    /// `run()` was called.
    package mutating func run() -> RunAction {
        switch state {
        case .idle:
            state = .running
            return .start
        case .stoppedBeforeRun:
            state = .finished
            return .returnAtOnce
        case .running, .draining:
            return .refuse(.alreadyRunning)
        case .finished:
            return .refuse(.alreadyRan)
        }
    }

    /// A shutdown was asked for: `beginGracefulShutdown()`, a `ServiceGroup`'s graceful
    /// shutdown, `close()` or `terminate()`.
    package mutating func beginShutdown() -> ShutdownAction {
        switch state {
        case .idle:
            state = .stoppedBeforeRun
            return .stopBeforeRun
        case .running:
            state = .draining
            return .drain
        case .stoppedBeforeRun, .draining, .finished:
            return .none
        }
    }

    /// `run()` ended its work (drained, cancelled, or failed) and is about to return.
    ///
    /// Only `run()` calls this, after ``run()`` answered ``RunAction/start``; from any other
    /// state it leaves the state as it is (a shell's mistake, not a user's, that must not
    /// make a stopped-before-run object look started).
    package mutating func finish() {
        switch state {
        case .running, .draining:
            state = .finished
        case .idle, .stoppedBeforeRun, .finished:
            break
        }
    }
}
