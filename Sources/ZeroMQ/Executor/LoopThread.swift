import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A detached POSIX thread running one closure; poll loops and blocking helpers
/// (`zmq_ctx_term`) run on these so that they never occupy a cooperative-pool thread.
struct LoopThread: Sendable {
    private final class Body {
        let name: String
        let work: @Sendable () -> Void
        init(name: String, work: @escaping @Sendable () -> Void) {
            self.name = name
            self.work = work
        }
    }

    /// The thread's identity as the OS sees it (`pthread_t` is an integer on Linux).
    let id: pthread_t

    /// Starts a thread named `name` (at most 15 bytes are kept) running `work`.
    @discardableResult
    static func start(name: String, _ work: @escaping @Sendable () -> Void) throws(ZeroMQError) -> LoopThread {
        let body = Unmanaged.passRetained(Body(name: name, work: work)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
            czmq_set_thread_name(body.name)
            body.work()
            return nil
        }, body)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw ZeroMQError(
                code: .systemResource,
                operation: "start thread \(name)",
                errno: rc,
                reason: String(cString: strerror(rc))
            )
        }
        _ = pthread_detach(thread)
        return LoopThread(id: thread)
    }

}
