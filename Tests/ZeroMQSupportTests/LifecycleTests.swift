import Testing
import ZeroMQSupport

/// The shared lifecycle as a pure state machine: every state against every event, no sockets.
/// What the five types do with each action is checked once, over real sockets, in
/// `ZeroMQServicesTests.LifecycleMisuseTests`.
@Suite("Lifecycle state machine", .timeLimit(.minutes(1)))
struct LifecycleTests {
    /// A lifecycle brought to `state` through the public events only.
    static func lifecycle(in state: Lifecycle.State) -> Lifecycle {
        var lifecycle = Lifecycle()
        switch state {
        case .idle:
            break
        case .stoppedBeforeRun:
            _ = lifecycle.beginShutdown()
        case .running:
            _ = lifecycle.run()
        case .draining:
            _ = lifecycle.run()
            _ = lifecycle.beginShutdown()
        case .finished:
            _ = lifecycle.run()
            lifecycle.finish()
        }
        #expect(lifecycle.state == state)
        return lifecycle
    }

    @Test("a new lifecycle is idle and takes work (it waits for run() or is served as it comes)")
    func initial() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.state == .idle)
        #expect(lifecycle.acceptsWork)
        #expect(!lifecycle.isShuttingDown)
    }

    @Test(
        "run(): starts once; refused while running and after the end; returns at once after an early shutdown",
        arguments: [
            (Lifecycle.State.idle, Lifecycle.RunAction.start, Lifecycle.State.running),
            (.stoppedBeforeRun, .returnAtOnce, .finished),
            (.running, .refuse(.alreadyRunning), .running),
            (.draining, .refuse(.alreadyRunning), .draining),
            (.finished, .refuse(.alreadyRan), .finished),
        ]
    )
    func run(from state: Lifecycle.State, action: Lifecycle.RunAction, to next: Lifecycle.State) {
        var lifecycle = Self.lifecycle(in: state)
        #expect(lifecycle.run() == action)
        #expect(lifecycle.state == next)
    }

    @Test(
        "a shutdown: stops an idle object, drains a running one, and is a no-op otherwise",
        arguments: [
            (Lifecycle.State.idle, Lifecycle.ShutdownAction.stopBeforeRun, Lifecycle.State.stoppedBeforeRun),
            (.stoppedBeforeRun, .none, .stoppedBeforeRun),
            (.running, .drain, .draining),
            (.draining, .none, .draining),
            (.finished, .none, .finished),
        ]
    )
    func shutdown(from state: Lifecycle.State, action: Lifecycle.ShutdownAction, to next: Lifecycle.State) {
        var lifecycle = Self.lifecycle(in: state)
        #expect(lifecycle.beginShutdown() == action)
        #expect(lifecycle.state == next)
    }

    @Test(
        "finish(): ends a running or draining run; leaves every other state as it is",
        arguments: [
            (Lifecycle.State.idle, Lifecycle.State.idle),
            (.stoppedBeforeRun, .stoppedBeforeRun),
            (.running, .finished),
            (.draining, .finished),
            (.finished, .finished),
        ]
    )
    func finish(from state: Lifecycle.State, to next: Lifecycle.State) {
        var lifecycle = Self.lifecycle(in: state)
        lifecycle.finish()
        #expect(lifecycle.state == next)
    }

    @Test(
        "new work is taken before run() and while running, never once a shutdown was asked for",
        arguments: [
            (Lifecycle.State.idle, true), (.stoppedBeforeRun, false), (.running, true), (.draining, false),
            (.finished, false),
        ]
    )
    func acceptsWork(in state: Lifecycle.State, accepts: Bool) {
        let lifecycle = Self.lifecycle(in: state)
        #expect(lifecycle.acceptsWork == accepts)
        #expect(lifecycle.isShuttingDown == !accepts)
    }

    @Test("a whole life: run, shut down twice, finish, then run again is refused as already ran")
    func wholeLife() {
        var lifecycle = Lifecycle()
        #expect(lifecycle.run() == .start)
        #expect(lifecycle.run() == .refuse(.alreadyRunning))
        #expect(lifecycle.beginShutdown() == .drain)
        #expect(lifecycle.beginShutdown() == .none)
        lifecycle.finish()
        #expect(lifecycle.run() == .refuse(.alreadyRan))
        #expect(lifecycle.beginShutdown() == .none)
        #expect(lifecycle.state == .finished)
    }

    @Test("an early shutdown: run() returns at once once, and a second run() is refused as already ran")
    func earlyShutdown() {
        var lifecycle = Lifecycle()
        #expect(lifecycle.beginShutdown() == .stopBeforeRun)
        #expect(lifecycle.run() == .returnAtOnce)
        #expect(lifecycle.run() == .refuse(.alreadyRan))
    }

    @Test("the refusals name the object and say what to do")
    func refusalReasons() {
        #expect(
            Lifecycle.Refusal.alreadyRunning.reason(for: "the request service")
                == "the request service is already running: run() is called once"
        )
        #expect(Lifecycle.Refusal.alreadyRan.reason(for: "the proxy") == "the proxy has already run; make a new one")
    }
}
