import ServiceLifecycle
import ZeroMQ
import ZeroMQSupport

extension Lifecycle.Refusal {
    /// The error `run()` throws for this misuse: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState``.
    func error(for object: String, endpoints: [String]) -> ZeroMQError {
        ZeroMQError(
            code: .invalidState, operation: "run", endpoint: endpoints.joined(separator: ","),
            reason: reason(for: object)
        )
    }
}

/// The lifecycle shell of an object whose `run()` does no work of its own, only holds the object
/// open until a shutdown: ``EventPublisher`` and ``EventSubscriber`` (their work happens in
/// `publish` and in iterations of `events`, from the caller's tasks).
///
/// The state is the shared ``/ZeroMQSupport/Lifecycle`` plus the suspended `run()`, under a lock
/// (any task may ask for a shutdown).
final class RunUntilShutdown: Sendable {
    private struct State: Sendable {
        var lifecycle = Lifecycle()
        /// `run()`, waiting for the shutdown.
        var waiter: UnsafeContinuation<Void, Never>?
    }

    private let state = Lock(State())
    /// How errors name the object: `"the event publisher"`.
    private let object: String
    private let endpoints: [String]

    init(_ object: String, endpoints: [String]) {
        self.object = object
        self.endpoints = endpoints
    }

    /// Whether new work (an event to publish) is taken: not once a shutdown was asked for.
    var acceptsWork: Bool {
        state.withLock { $0.lifecycle.acceptsWork }
    }

    /// The object's `run()`: waits for the shutdown, then calls `release` (which closes the
    /// object's socket) and returns. After a shutdown asked for before it, releases and returns
    /// at once.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran
    ///   already (and releases nothing: the running `run()` does).
    func run(thenRelease release: () async -> Void) async throws(ZeroMQError) {
        guard try start() else {
            await release()
            return
        }
        await waitForShutdown()
        await release()
        finish()
    }

    /// The start of `run()`.
    ///
    /// - Returns: true when `run()` is to wait for the shutdown; false when one came before
    ///   `run()`, which then releases the object and returns at once.
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran.
    private func start() throws(ZeroMQError) -> Bool {
        let action = state.withLock { $0.lifecycle.run() }
        switch action {
        case .start: return true
        case .returnAtOnce: return false
        case .refuse(let refusal): throw refusal.error(for: object, endpoints: endpoints)
        }
    }

    /// Waits until a shutdown is asked for: ``beginShutdown()``, the graceful shutdown of the
    /// `ServiceGroup` that runs the object, or cancellation of `run()`'s task.
    private func waitForShutdown() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let waits = state.withLock { state -> Bool in
                    guard state.lifecycle.state == .running else { return false }
                    state.waiter = continuation
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancelOrGracefulShutdown: {
            self.beginShutdown()
        }
    }

    /// Asks for a shutdown; safe from anywhere, any number of times.
    @discardableResult
    func beginShutdown() -> Lifecycle.ShutdownAction {
        let (action, waiter) = state.withLock { state in
            let action = state.lifecycle.beginShutdown()
            defer { state.waiter = nil }
            return (action, state.waiter)
        }
        waiter?.resume()
        return action
    }

    /// The end of a started `run()`.
    private func finish() {
        state.withLock { $0.lifecycle.finish() }
    }
}
