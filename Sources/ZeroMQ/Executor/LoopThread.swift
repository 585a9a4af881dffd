import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Detached POSIX threads running one closure each; poll loops and blocking helpers
/// (`zmq_ctx_term`) run on these so that they never occupy a cooperative-pool thread.
enum LoopThread {
    private final class Body {
        let name: String
        let work: @Sendable () -> Void
        init(name: String, work: @escaping @Sendable () -> Void) {
            self.name = name
            self.work = work
        }
    }

    /// Starts a thread named `name` (at most 15 bytes are kept) running `work`.
    static func start(name: String, _ work: @escaping @Sendable () -> Void) throws(ZeroMQError) {
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
    }

}
