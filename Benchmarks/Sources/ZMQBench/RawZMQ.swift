// Raw libzmq plumbing shared by every section: checked calls that stop the run with the name of
// the call and `zmq_strerror`, socket pointers that cross to dedicated threads, socket options,
// endpoints for the three transports, and the monotonic clock every figure is timed with.
import CZeroMQ
import Foundation
import Synchronization

/// A failure that stops the run, with a message that says what failed.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// A libzmq call that returned an error: the call, what it was about, and `zmq_strerror`.
    static func libzmq(_ call: String, _ detail: String = "") -> BenchError {
        let code = zmq_errno()
        let reason = String(cString: zmq_strerror(code))
        let about = detail.isEmpty ? "" : " (\(detail))"
        return BenchError("\(call)\(about) failed: \(reason) (errno \(code))")
    }
}

/// Throws ``BenchError/libzmq(_:_:)`` when a libzmq call returned -1; returns its result otherwise.
@discardableResult
@inline(__always)
func zmqCheck(_ result: Int32, _ call: String, _ detail: @autoclosure () -> String = "") throws -> Int32 {
    if result == -1 { throw BenchError.libzmq(call, detail()) }
    return result
}

/// A libzmq context or socket pointer handed to a thread that alone uses it from then on (libzmq
/// sockets may move between threads across a full memory barrier, which starting a thread is).
struct RawPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// Nanoseconds on the monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`, a vDSO call).
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// Checked wrappers of the libzmq calls the raw peers make.
enum Raw {
    /// A new context with `ioThreads` I/O threads and room for `maximumSockets` sockets.
    static func context(ioThreads: Int = 1, maximumSockets: Int? = nil) throws -> RawPointer {
        guard let context = zmq_ctx_new() else { throw BenchError.libzmq("zmq_ctx_new") }
        try zmqCheck(zmq_ctx_set(context, ZMQ_IO_THREADS, Int32(ioThreads)), "zmq_ctx_set", "ZMQ_IO_THREADS")
        if let maximumSockets {
            try zmqCheck(zmq_ctx_set(context, ZMQ_MAX_SOCKETS, Int32(maximumSockets)), "zmq_ctx_set", "ZMQ_MAX_SOCKETS")
        }
        return RawPointer(raw: context)
    }

    /// A new socket of `type` (`ZMQ_PUSH`, ...) on `context`.
    static func socket(_ context: UnsafeMutableRawPointer, _ type: Int32) throws -> RawPointer {
        guard let socket = zmq_socket(context, type) else { throw BenchError.libzmq("zmq_socket") }
        return RawPointer(raw: socket)
    }

    static func setOption(_ socket: RawPointer, _ option: Int32, _ value: Int32, _ name: String) throws {
        var value = value
        try zmqCheck(zmq_setsockopt(socket.raw, option, &value, MemoryLayout<Int32>.size), "zmq_setsockopt", name)
    }

    /// Binds and returns the endpoint really bound (`ZMQ_LAST_ENDPOINT`: the port for `tcp://…:*`).
    static func bind(_ socket: RawPointer, _ endpoint: String) throws -> String {
        try zmqCheck(zmq_bind(socket.raw, endpoint), "zmq_bind", endpoint)
        var buffer = [CChar](repeating: 0, count: 512)
        var length = buffer.count
        try zmqCheck(zmq_getsockopt(socket.raw, ZMQ_LAST_ENDPOINT, &buffer, &length), "zmq_getsockopt", "ZMQ_LAST_ENDPOINT")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func connect(_ socket: RawPointer, _ endpoint: String) throws {
        try zmqCheck(zmq_connect(socket.raw, endpoint), "zmq_connect", endpoint)
    }

    static func close(_ socket: RawPointer) throws {
        try zmqCheck(zmq_close(socket.raw), "zmq_close")
    }

    /// Terminates a context; blocks until its sockets' linger is over, so call it only on a
    /// dedicated thread.
    static func terminate(_ context: RawPointer) throws {
        while zmq_ctx_term(context.raw) == -1 {
            if zmq_errno() != EINTR { throw BenchError.libzmq("zmq_ctx_term") }
        }
    }

    /// The version of the libzmq loaded at run time.
    static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

/// The transports compared in the throughput section.
enum Transport: String, CaseIterable, Sendable {
    case tcp, ipc, inproc
}

/// Endpoints to bind: loopback tcp with a system-chosen port, ipc files in a temporary folder
/// of this run (removed at the end), and unique inproc names.
final class Endpoints: Sendable {
    static let shared = Endpoints()

    private let counter = Atomic<Int>(0)
    private let directory = Mutex<String?>(nil)

    /// The address to bind a socket of `transport` to.
    func bindAddress(_ transport: Transport) throws -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        switch transport {
        case .tcp:
            return "tcp://127.0.0.1:*"
        case .ipc:
            return "ipc://\(try ipcDirectory())/\(number).sock"
        case .inproc:
            return "inproc://zmq-bench-\(number)"
        }
    }

    /// The folder for ipc files, made on first use (short, under /tmp: ipc paths are limited to
    /// about 100 bytes).
    private func ipcDirectory() throws -> String {
        try directory.withLock { directory in
            if let directory { return directory }
            var template = Array("/tmp/zmq-bench.XXXXXX".utf8CString)
            let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
                guard let base = buffer.baseAddress, let path = mkdtemp(base) else { return nil }
                return String(cString: path)
            }
            guard let made else { throw BenchError("mkdtemp(/tmp/zmq-bench.XXXXXX) failed: \(String(cString: strerror(errno)))") }
            directory = made
            return made
        }
    }

    /// Removes the ipc folder, if one was made.
    func removeIPCDirectory() {
        directory.withLock { directory in
            if let path = directory {
                try? FileManager.default.removeItem(atPath: path)
                directory = nil
            }
        }
    }
}
