import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The poll loop's wake-up: an eventfd that `zmq_poll` watches next to the sockets.
///
/// Any thread may ``signal()``; only the loop thread ``drain()``s. The loop only asks for a
/// signal when it is asleep (or about to be), so enqueues from a busy loop cost no system call.
struct Wakeup: ~Copyable {
    let descriptor: Int32

    init() throws(ZeroMQError) {
        let fd = czmq_wakeup_create()
        guard fd >= 0 else {
            let error = czmq_errno()
            throw ZeroMQError(
                code: .systemResource,
                operation: "create eventfd",
                errno: error,
                reason: String(cString: strerror(error))
            )
        }
        descriptor = fd
    }

    /// Makes the eventfd readable, so a sleeping `zmq_poll` returns.
    func signal() {
        _ = czmq_wakeup_signal(descriptor)
    }

    /// Makes the eventfd unreadable again.
    func drain() {
        czmq_wakeup_drain(descriptor)
    }

    deinit {
        _ = close(descriptor)
    }
}
