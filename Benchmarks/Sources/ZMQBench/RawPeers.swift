// The raw libzmq ends every section measures against, each on a dedicated thread: the PUSH
// sender (a `zmq_send` loop: copied, zero-copy or multipart), the PULL receiver (a
// `zmq_msg_recv` loop: the throughput ceiling), the REP and ROUTER echo servers, and the REQ and
// DEALER round-trip clients. Sockets are made and bound or connected by the caller (so errors
// throw in async code), then handed to the thread, which closes them when done.
import CZeroMQ
import Foundation

/// What a raw sender sends as each message.
enum SenderPayload: Sendable {
    /// `zmq_send` of one buffer (libzmq copies it).
    case copy(size: Int)
    /// `zmq_msg_init_data` over one shared buffer with a no-op free function (no copy).
    case zeroCopy(size: Int)
    /// `frames` frames of `frameSize` bytes, all but the last with `ZMQ_SNDMORE`.
    case multipart(frames: Int, frameSize: Int)

    /// Bytes in one whole message.
    var messageBytes: Int {
        switch self {
        case .copy(let size), .zeroCopy(let size): size
        case .multipart(let frames, let frameSize): frames * frameSize
        }
    }

    /// Bytes of the one buffer every message (or frame) is sent from.
    var bufferBytes: Int {
        switch self {
        case .copy(let size), .zeroCopy(let size): size
        case .multipart(_, let frameSize): frameSize
        }
    }

    var isZeroCopy: Bool {
        if case .zeroCopy = self { return true }
        return false
    }
}

/// A raw PUSH sending `count` messages from a thread of its own.
final class RawSender: Sendable {
    private let thread: RawThread<Void>
    private let finishGate = Gate()

    /// Starts sending on `socket` (connected already). Once everything is sent the thread waits
    /// for ``finish()`` (unless `waitsForFinish` is false), then closes the socket and terminates
    /// `ownedContext` (waiting for the socket's linger: everything queued gets delivered).
    init(_ name: String, socket: RawPointer, ownedContext: RawPointer?, count: Int, payload: SenderPayload, waitsForFinish: Bool = true) {
        let gate = finishGate
        thread = RawThread(name) {
            // One buffer for every message. For zero-copy sends libzmq references it until the
            // message is on the wire, which is certain only once the context is terminated: it
            // is freed after that (and never when the context is not ours to terminate).
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(payload.bufferBytes, 1), alignment: 64)
            buffer.initializeMemory(as: UInt8.self, repeating: 0x2A)
            var failure: (any Error)?
            do {
                try rawSend(socket, buffer, count: count, payload: payload)
            } catch {
                failure = error
            }
            if failure == nil, waitsForFinish { gate.wait() }
            try Raw.close(socket)
            if let ownedContext { try Raw.terminate(ownedContext) }
            if ownedContext != nil || !payload.isZeroCopy { buffer.deallocate() }
            if let failure { throw failure }
        }
    }

    /// A sender with a context of its own (one I/O thread) connected to `endpoint`.
    ///
    /// - Parameters:
    ///   - linger: `ZMQ_LINGER` in milliseconds (default: libzmq's, infinite).
    ///   - sendTimeout: `ZMQ_SNDTIMEO` in milliseconds, so that a dead peer fails the send
    ///     instead of blocking it forever (default: none).
    static func connecting(
        _ name: String, to endpoint: String, count: Int, payload: SenderPayload,
        linger: Int32? = nil, sendTimeout: Int32? = nil, waitsForFinish: Bool = true
    ) throws -> RawSender {
        let context = try Raw.context()
        let push = try Raw.socket(context.raw, ZMQ_PUSH)
        if let linger { try Raw.setOption(push, ZMQ_LINGER, linger, "ZMQ_LINGER") }
        if let sendTimeout { try Raw.setOption(push, ZMQ_SNDTIMEO, sendTimeout, "ZMQ_SNDTIMEO") }
        try Raw.connect(push, endpoint)
        return RawSender(name, socket: push, ownedContext: context, count: count, payload: payload, waitsForFinish: waitsForFinish)
    }

    /// Lets the thread close its socket, and waits until it has (rethrows a send failure).
    func finish() async throws {
        finishGate.open()
        try await thread.value()
    }
}

/// The send loop itself, over `buffer` (at least one frame's bytes).
private func rawSend(_ socket: RawPointer, _ buffer: UnsafeMutableRawBufferPointer, count: Int, payload: SenderPayload) throws {
    switch payload {
    case .copy(let size):
        for _ in 0..<count {
            try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, size, 0), "zmq_send")
        }
    case .zeroCopy(let size):
        var message = zmq_msg_t()
        for _ in 0..<count {
            try zmqCheck(zmq_msg_init_data(&message, buffer.baseAddress, size, { _, _ in }, nil), "zmq_msg_init_data")
            if zmq_msg_send(&message, socket.raw, 0) == -1 {
                let error = BenchError.libzmq("zmq_msg_send")
                zmq_msg_close(&message)
                throw error
            }
        }
    case .multipart(let frames, let frameSize):
        for _ in 0..<count {
            for frame in 0..<frames {
                let flags = frame < frames - 1 ? ZMQ_SNDMORE : 0
                try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, frameSize, flags), "zmq_send")
            }
        }
    }
}

/// A raw PULL receiving `count` messages on a thread of its own: the ceiling.
enum RawReceiver {
    /// Starts the receive loop on `socket` (bound already); afterwards the thread closes the
    /// socket and terminates `ownedContext`. With `multipart`, a message is counted when its
    /// last frame (no `ZMQ_RCVMORE`) arrives; bytes count every frame.
    static func start(_ name: String, socket: RawPointer, ownedContext: RawPointer?, count: Int, multipart: Bool = false) -> RawThread<Tally> {
        RawThread(name) {
            let tally: Tally
            do {
                tally = multipart ? try receiveMultipart(socket, count) : try receive(socket, count)
            } catch {
                try? Raw.close(socket)
                throw error
            }
            try Raw.close(socket)
            if let ownedContext { try Raw.terminate(ownedContext) }
            return tally
        }
    }

    private static func receive(_ socket: RawPointer, _ count: Int) throws -> Tally {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var tally = Tally()
        var bytes = Int(try zmqCheck(zmq_msg_recv(&message, socket.raw, 0), "zmq_msg_recv"))
        tally.first = monotonicNanoseconds()
        for _ in 1..<count {
            bytes &+= Int(try zmqCheck(zmq_msg_recv(&message, socket.raw, 0), "zmq_msg_recv"))
        }
        tally.last = monotonicNanoseconds()
        tally.messages = count
        tally.bytes = bytes
        return tally
    }

    private static func receiveMultipart(_ socket: RawPointer, _ count: Int) throws -> Tally {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var tally = Tally()
        while tally.messages < count {
            tally.bytes &+= Int(try zmqCheck(zmq_msg_recv(&message, socket.raw, 0), "zmq_msg_recv"))
            if tally.first == 0 { tally.first = monotonicNanoseconds() }
            if zmq_msg_more(&message) == 0 { tally.messages += 1 }
        }
        tally.last = monotonicNanoseconds()
        return tally
    }
}

/// The two round-trip patterns of the latency section.
enum EchoPattern: String, CaseIterable, Sendable {
    case reqRep = "REQ/REP"
    case dealerRouter = "DEALER/ROUTER"
}

/// A raw echo server with a context of its own: REP (receive, send it back) or ROUTER (receive
/// the routing-id frame and the body, send both back).
enum RawEchoServer {
    /// Binds to `address` and answers `rounds` requests on a thread of its own, then closes.
    ///
    /// - Parameters:
    ///   - receiveTimeout: `ZMQ_RCVTIMEO` in milliseconds, so that a client that dies fails the
    ///     server instead of blocking it forever (default: none).
    ///   - configure: sets more options on the socket before it binds (the security section's
    ///     CURVE keys).
    ///   - multipart: a ROUTER echoes messages of any number of frames (a typed client's
    ///     envelope), not only a routing id and one body frame.
    static func start(
        _ pattern: EchoPattern, bindTo address: String, rounds: Int, receiveTimeout: Int32? = nil,
        multipart: Bool = false,
        configure: (RawPointer) throws -> Void = { _ in }
    ) throws -> (endpoint: String, thread: RawThread<Void>) {
        let context = try Raw.context()
        let socket = try Raw.socket(context.raw, pattern == .reqRep ? ZMQ_REP : ZMQ_ROUTER)
        if let receiveTimeout { try Raw.setOption(socket, ZMQ_RCVTIMEO, receiveTimeout, "ZMQ_RCVTIMEO") }
        try configure(socket)
        try Raw.setOption(socket, ZMQ_LINGER, 1000, "ZMQ_LINGER")
        let endpoint = try Raw.bind(socket, address)
        let thread = RawThread<Void>("raw \(pattern.rawValue) echo") {
            var failure: (any Error)?
            do {
                switch pattern {
                case .reqRep: try echoRep(socket, rounds)
                case .dealerRouter where multipart: try echoRouterMultipart(socket, rounds)
                case .dealerRouter: try echoRouter(socket, rounds)
                }
            } catch {
                failure = error
            }
            try Raw.close(socket)
            try Raw.terminate(context)
            if let failure { throw failure }
        }
        return (endpoint, thread)
    }

    private static func echoRep(_ socket: RawPointer, _ rounds: Int) throws {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        for _ in 0..<rounds {
            try zmqCheck(zmq_msg_recv(&message, socket.raw, 0), "zmq_msg_recv", "echo server")
            try zmqCheck(zmq_msg_send(&message, socket.raw, 0), "zmq_msg_send", "echo server")
        }
    }

    private static func echoRouter(_ socket: RawPointer, _ rounds: Int) throws {
        var identity = zmq_msg_t()
        var body = zmq_msg_t()
        zmq_msg_init(&identity)
        zmq_msg_init(&body)
        defer {
            zmq_msg_close(&identity)
            zmq_msg_close(&body)
        }
        for _ in 0..<rounds {
            try zmqCheck(zmq_msg_recv(&identity, socket.raw, 0), "zmq_msg_recv", "ROUTER routing id")
            guard zmq_msg_more(&identity) != 0 else { throw BenchError("ROUTER echo: a message without a body") }
            try zmqCheck(zmq_msg_recv(&body, socket.raw, 0), "zmq_msg_recv", "ROUTER body")
            try zmqCheck(zmq_msg_send(&identity, socket.raw, ZMQ_SNDMORE), "zmq_msg_send", "ROUTER routing id")
            try zmqCheck(zmq_msg_send(&body, socket.raw, 0), "zmq_msg_send", "ROUTER body")
        }
    }
}

extension RawEchoServer {
    /// A ROUTER echo of whole messages: every frame back, in order, the routing id first.
    fileprivate static func echoRouterMultipart(_ socket: RawPointer, _ rounds: Int) throws {
        var frame = zmq_msg_t()
        zmq_msg_init(&frame)
        defer { zmq_msg_close(&frame) }
        for _ in 0..<rounds {
            var more = true
            while more {
                try zmqCheck(zmq_msg_recv(&frame, socket.raw, 0), "zmq_msg_recv", "ROUTER frame")
                more = zmq_msg_more(&frame) != 0
                try zmqCheck(zmq_msg_send(&frame, socket.raw, more ? ZMQ_SNDMORE : 0), "zmq_msg_send", "ROUTER frame")
            }
        }
    }
}

/// A raw REQ or DEALER client with a context of its own, timing each round trip.
enum RawClient {
    /// Connects to `endpoint` and makes `warmup` untimed, then `rounds` timed round trips of
    /// `size` bytes on a thread of its own; returns each timed round trip in nanoseconds.
    /// `configure` sets more options on the socket before it connects (CURVE keys).
    static func start(
        _ pattern: EchoPattern, to endpoint: String, size: Int, warmup: Int, rounds: Int,
        configure: (RawPointer) throws -> Void = { _ in }
    ) throws -> RawThread<[UInt64]> {
        let context = try Raw.context()
        let socket = try Raw.socket(context.raw, pattern == .reqRep ? ZMQ_REQ : ZMQ_DEALER)
        try configure(socket)
        try Raw.connect(socket, endpoint)
        return RawThread("raw \(pattern.rawValue) client") {
            var samples = [UInt64](repeating: 0, count: rounds)
            var failure: (any Error)?
            do {
                try roundTrips(socket, size: size, warmup: warmup, samples: &samples)
            } catch {
                failure = error
            }
            try Raw.close(socket)
            try Raw.terminate(context)
            if let failure { throw failure }
            return samples
        }
    }

    private static func roundTrips(_ socket: RawPointer, size: Int, warmup: Int, samples: inout [UInt64]) throws {
        let payload = [UInt8](repeating: 0x2A, count: size)
        var reply = zmq_msg_t()
        zmq_msg_init(&reply)
        defer { zmq_msg_close(&reply) }
        let rounds = samples.count
        try payload.withUnsafeBytes { buffer in
            for round in 0..<(warmup + rounds) {
                let start = monotonicNanoseconds()
                try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, size, 0), "zmq_send", "client")
                let received = try zmqCheck(zmq_msg_recv(&reply, socket.raw, 0), "zmq_msg_recv", "client")
                let elapsed = monotonicNanoseconds() - start
                guard received == size else { throw BenchError("round trip \(round + 1): reply of \(received) bytes, expected \(size)") }
                if round >= warmup { samples[round - warmup] = elapsed }
            }
        }
    }
}
