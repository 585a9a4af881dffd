import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The poll loop's wake-up: a descriptor that `zmq_poll` watches next to the sockets.
///
/// An eventfd on Linux; elsewhere (macOS) a pipe, which Linux can be made to use too, to test
/// it: set `ZMQ_SWIFT_WAKEUP=pipe` in the environment (`make test-debug` runs the library's
/// tests once that way).
///
/// Any thread may ``signal()``; only the loop thread ``drain()``s. The loop only asks for a
/// signal when it is asleep (or about to be), so enqueues from a busy loop cost no system call.
struct Wakeup: ~Copyable {
    /// How the wake-up is made.
    enum Kind: String, Sendable {
        /// An eventfd: one descriptor, a counter (Linux).
        case eventfd
        /// A non-blocking pipe: read end polled, write end signalled (portable).
        case pipe
    }

    let kind: Kind
    /// The descriptor the loop polls for input.
    let descriptor: Int32
    /// The descriptor ``signal()`` writes to (the same as `descriptor` for an eventfd).
    private let writeDescriptor: Int32

    /// The kind this process uses: a pipe when `ZMQ_SWIFT_WAKEUP=pipe` or where there is no
    /// eventfd, otherwise an eventfd.
    static let preferred: Kind = {
        #if os(Linux)
        if let value = getenv("ZMQ_SWIFT_WAKEUP"), String(cString: value) == Kind.pipe.rawValue { return .pipe }
        return .eventfd
        #else
        return .pipe
        #endif
    }()

    init(kind: Kind = Self.preferred) throws(ZeroMQError) {
        self.kind = kind
        switch kind {
        case .eventfd:
            let fd = czmq_wakeup_create()
            guard fd >= 0 else { throw Self.creationError("create eventfd") }
            descriptor = fd
            writeDescriptor = fd
        case .pipe:
            var fds: [Int32] = [-1, -1]
            guard czmq_wakeup_pipe_create(&fds) == 0 else { throw Self.creationError("create wake-up pipe") }
            descriptor = fds[0]
            writeDescriptor = fds[1]
        }
    }

    private static func creationError(_ operation: String) -> ZeroMQError {
        let error = czmq_errno()
        return ZeroMQError(code: .systemResource, operation: operation, errno: error, reason: String(cString: strerror(error)))
    }

    /// Makes the descriptor readable, so a sleeping `zmq_poll` returns.
    func signal() {
        switch kind {
        case .eventfd: _ = czmq_wakeup_signal(writeDescriptor)
        case .pipe: _ = czmq_wakeup_pipe_signal(writeDescriptor)
        }
    }

    /// Makes the descriptor unreadable again.
    func drain() {
        switch kind {
        case .eventfd: czmq_wakeup_drain(descriptor)
        case .pipe: czmq_wakeup_pipe_drain(descriptor)
        }
    }

    deinit {
        _ = close(descriptor)
        if writeDescriptor != descriptor { _ = close(writeDescriptor) }
    }
}
