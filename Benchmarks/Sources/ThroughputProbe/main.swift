// Throughput of PUSH→PULL, 64-byte messages over tcp loopback, raw libzmq next to the
// framework's receive paths, all in one run; plus the idle CPU of a context with idle sockets.
//
//   swift run -c release --package-path Benchmarks ThroughputProbe [messages] [size]
//
// Every variant uses the same setup: a raw libzmq sender thread with its own context (one I/O
// thread) pushing to a receiver with its own context (one I/O thread). Only the receiver changes.
import CZeroMQ
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let size = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
/// Optional third argument: run only the variants whose name contains it ("raw", "Sequence", ...).
let only = arguments.count > 3 ? arguments[3] : nil

/// A libzmq pointer handed to a thread that alone uses it from then on.
struct Handle: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

/// Pushes `count` messages of `size` bytes to `endpoint` from a thread of its own (raw libzmq).
func startRawSender(to endpoint: String) -> Thread {
    let thread = Thread {
        let context = zmq_ctx_new()!
        let push = zmq_socket(context, ZMQ_PUSH)!
        zmq_connect(push, endpoint)
        let payload = [UInt8](repeating: 0x2A, count: size)
        payload.withUnsafeBytes { buffer in
            for _ in 0..<count { _ = zmq_send(push, buffer.baseAddress, size, 0) }
        }
        var linger: Int32 = -1
        zmq_setsockopt(push, ZMQ_LINGER, &linger, 4)
        zmq_close(push)
        zmq_ctx_term(context)
    }
    thread.start()
    return thread
}

/// CPU time (user + system) this process has used so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The endpoint a raw socket is bound to (`ZMQ_LAST_ENDPOINT`).
func lastEndpoint(of socket: UnsafeMutableRawPointer) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    var length = buffer.count
    zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &length)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func rate(_ elapsed: Duration) -> Double {
    Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// Raw libzmq: a receiver thread calling zmq_msg_recv in a loop.
func rawBaseline() -> Double {
    let context = zmq_ctx_new()!
    let pull = zmq_socket(context, ZMQ_PULL)!
    zmq_bind(pull, "tcp://127.0.0.1:*")
    let endpoint = lastEndpoint(of: pull)
    let start = ContinuousClock.now
    let sender = startRawSender(to: endpoint)
    var message = zmq_msg_t()
    zmq_msg_init(&message)
    for _ in 0..<count { zmq_msg_recv(&message, pull, 0) }
    let elapsed = ContinuousClock.now - start
    zmq_msg_close(&message)
    while !sender.isFinished { usleep(1000) }
    zmq_close(pull)
    zmq_ctx_term(context)
    return rate(elapsed)
}

/// Code isolated to the socket: no hop per call.
func drainIsolated(_ pull: isolated PullSocket, _ count: Int) async throws -> Int {
    var bytes = 0
    for _ in 0..<count { bytes &+= try await pull.receive().byteCount }
    return bytes
}

enum Variant: String, CaseIterable {
    case sequence = "AsyncSequence (ordinary task)"
    case ordinaryTask = "await receive() (ordinary task)"
    case taskExecutor = "await receive() (task preferring the loop)"
    case isolated = "await receive() (isolated to the socket)"
}

func framework(_ variant: Variant) async throws -> Double {
    let context = try Context()
    let pull = try PullSocket(context)
    let endpoint = try await pull.bind("tcp://127.0.0.1:*")
    let start = ContinuousClock.now
    let sender = startRawSender(to: endpoint)
    var bytes = 0
    switch variant {
    case .sequence:
        var seen = 0
        for try await message in pull.messages {
            bytes &+= message.byteCount
            seen += 1
            if seen == count { break }
        }
    case .ordinaryTask:
        for _ in 0..<count { bytes &+= try await pull.receive().byteCount }
    case .taskExecutor:
        bytes = try await Task(executorPreference: pull.loop.taskExecutor) {
            var bytes = 0
            for _ in 0..<count { bytes &+= try await pull.receive().byteCount }
            return bytes
        }.value
    case .isolated:
        bytes = try await drainIsolated(pull, count)
    }
    let elapsed = ContinuousClock.now - start
    precondition(bytes == count * size, "lost messages: \(bytes) bytes")
    while !sender.isFinished { try await Task.sleep(for: .milliseconds(1)) }
    await context.shutdown()
    return rate(elapsed)
}

/// Per-message receive cost with no I/O in the way: `count` messages are queued on an inproc
/// PULL first (high-water marks lifted), then drained. Returns nanoseconds per message.
func drainCost(_ variant: Variant?) async throws -> Double {
    var configuration = ContextConfiguration()
    configuration.ioThreads = 1
    let context = try Context(configuration: configuration)
    let pull = try PullSocket(context)
    try await pull.setOption(.receiveHighWaterMark, to: 0)
    try await pull.bind("inproc://drain")
    let push = try PushSocket(context)
    try await push.setOption(.sendHighWaterMark, to: 0)
    try await push.connect("inproc://drain")
    let payload = Message([UInt8](repeating: 0x2A, count: size))
    try await fill(push, payload, count)
    let start = ContinuousClock.now
    var bytes = 0
    switch variant {
    case nil:
        // The raw floor: zmq_msg_recv on the loop thread, through the same socket.
        bytes = try await pull.withUnsafeHandle { handle in
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            var bytes = 0
            for _ in 0..<count {
                zmq_msg_recv(&message, handle, 0)
                bytes &+= zmq_msg_size(&message)
            }
            zmq_msg_close(&message)
            return bytes
        }
    case .sequence?:
        var seen = 0
        for try await message in pull.messages {
            bytes &+= message.byteCount
            seen += 1
            if seen == count { break }
        }
    case .ordinaryTask?:
        for _ in 0..<count { bytes &+= try await pull.receive().byteCount }
    case .taskExecutor?:
        bytes = try await Task(executorPreference: pull.loop.taskExecutor) {
            var bytes = 0
            for _ in 0..<count { bytes &+= try await pull.receive().byteCount }
            return bytes
        }.value
    case .isolated?:
        bytes = try await drainIsolated(pull, count)
    }
    let elapsed = ContinuousClock.now - start
    precondition(bytes == count * size, "lost messages: \(bytes) bytes")
    await context.shutdown()
    return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) * 1e-9) / Double(count)
}

func fill(_ push: isolated PushSocket, _ payload: Message, _ count: Int) async throws {
    for _ in 0..<count { try await push.send(payload) }
}

// MARK: REQ/REP round trip

/// A raw libzmq REP echo thread with its own context, answering `rounds` requests.
func startRawEcho(rounds: Int) -> (endpoint: String, thread: Thread) {
    let context = zmq_ctx_new()!
    let rep = zmq_socket(context, ZMQ_REP)!
    zmq_bind(rep, "tcp://127.0.0.1:*")
    let endpoint = lastEndpoint(of: rep)
    let handles = (Handle(raw: context), Handle(raw: rep))
    let thread = Thread {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        for _ in 0..<rounds {
            zmq_msg_recv(&message, handles.1.raw, 0)
            zmq_msg_send(&message, handles.1.raw, 0)
        }
        zmq_msg_close(&message)
        zmq_close(handles.1.raw)
        zmq_ctx_term(handles.0.raw)
    }
    thread.start()
    return (endpoint, thread)
}

/// Mean round trip in microseconds: raw REQ on this thread, own context.
func rawRoundTrip(rounds: Int) -> Double {
    let (endpoint, echo) = startRawEcho(rounds: rounds)
    let context = zmq_ctx_new()!
    let req = zmq_socket(context, ZMQ_REQ)!
    zmq_connect(req, endpoint)
    let payload = [UInt8](repeating: 0x2A, count: size)
    var reply = zmq_msg_t()
    zmq_msg_init(&reply)
    let start = ContinuousClock.now
    payload.withUnsafeBytes { buffer in
        for _ in 0..<rounds {
            zmq_send(req, buffer.baseAddress, size, 0)
            zmq_msg_recv(&reply, req, 0)
        }
    }
    let elapsed = ContinuousClock.now - start
    zmq_msg_close(&reply)
    while !echo.isFinished { usleep(1000) }
    zmq_close(req)
    zmq_ctx_term(context)
    return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) * 1e-12) / Double(rounds)
}

func requestIsolated(_ req: isolated ReqSocket, _ payload: Message, rounds: Int) async throws {
    for _ in 0..<rounds {
        try await req.send(payload)
        _ = try await req.receive()
    }
}

/// Mean round trip in microseconds through a framework REQ (raw echo on the other end).
func frameworkRoundTrip(rounds: Int, isolated: Bool) async throws -> Double {
    let (endpoint, echo) = startRawEcho(rounds: rounds)
    let context = try Context()
    let req = try ReqSocket(context)
    try await req.connect(endpoint)
    let payload = Message([UInt8](repeating: 0x2A, count: size))
    let start = ContinuousClock.now
    if isolated {
        try await requestIsolated(req, payload, rounds: rounds)
    } else {
        for _ in 0..<rounds {
            try await req.send(payload)
            _ = try await req.receive()
        }
    }
    let elapsed = ContinuousClock.now - start
    while !echo.isFinished { try await Task.sleep(for: .milliseconds(1)) }
    await context.shutdown()
    return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) * 1e-12) / Double(rounds)
}

/// CPU time this process used while `sockets` sockets sat idle with pending receives.
func idleCPU(sockets: Int, seconds: Int) async throws -> Double {
    var configuration = ContextConfiguration()
    configuration.maximumSockets = sockets + 16
    let context = try Context(configuration: configuration)
    var waiters: [Task<Message, any Error>] = []
    for index in 0..<sockets {
        let pull = try PullSocket(context)
        try await pull.bind("inproc://idle-\(index)")
        waiters.append(Task { try await pull.receive() })
    }
    try await Task.sleep(for: .milliseconds(200))
    let before = cpuSeconds()
    try await Task.sleep(for: .seconds(seconds))
    let used = cpuSeconds() - before
    await context.shutdown()
    for waiter in waiters { _ = try? await waiter.value }
    return used / Double(seconds) * 100
}

print("swift-zeromq throughput probe — libzmq \(LibZMQ.version), \(count) × \(size) B PUSH→PULL over tcp loopback")
print("setup: raw libzmq sender thread, its own context; receiver with its own context; 1 I/O thread each")
/// Prints one result: rate, ratio to raw, and the process's CPU time per message (all threads,
/// sender included), which shows the framework's overhead even when the cores are saturated.
func row(_ name: String, _ value: Double, _ ratio: Double, cpu: Double) {
    let padded = name.padding(toLength: 46, withPad: " ", startingAt: 0)
    print(padded + String(format: " %10.0f msg/s  %5.2f×  %6.0f ns CPU/msg", value, ratio, cpu / Double(count) * 1e9))
}
let wantsThroughput = only == nil || Variant.allCases.contains { $0.rawValue.contains(only ?? "") }
if wantsThroughput {
    var cpuBefore = cpuSeconds()
    let raw = rawBaseline()
    row("raw libzmq (zmq_msg_recv loop, own thread)", raw, 1.0, cpu: cpuSeconds() - cpuBefore)
    for variant in Variant.allCases where only.map({ variant.rawValue.contains($0) }) ?? true {
        cpuBefore = cpuSeconds()
        let value = try await framework(variant)
        row(variant.rawValue, value, value / raw, cpu: cpuSeconds() - cpuBefore)
    }
}
if only == nil || only == "drain" {
    print("drain (inproc, queue filled first, ns per message: framework overhead without I/O):")
    let floor = try await drainCost(nil)
    print("  raw zmq_msg_recv on the loop thread".padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: " %6.0f ns", floor))
    for variant in Variant.allCases {
        let cost = try await drainCost(variant)
        print(("  " + variant.rawValue).padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: " %6.0f ns  (+%.0f)", cost, cost - floor))
    }
}
if let only, only.hasPrefix("drain:") {
    // One drain variant alone, for instruction counts (`perf stat -e instructions:u`):
    // "drain:raw" or "drain:<part of a variant's name>".
    let name = only.dropFirst("drain:".count)
    let variant = Variant.allCases.first { $0.rawValue.contains(name) }
    let cost = try await drainCost(name == "raw" ? nil : variant)
    print(String(format: "drain %@: %.0f ns per message", String(name), cost))
}
if only == nil || only?.hasPrefix("latency") == true {
    let rounds = only?.hasPrefix("latency:") == true ? 5_000 : 20_000
    print("REQ/REP round trip, \(size) B over tcp loopback, mean of \(rounds) (raw REP echo thread, own context):")
    // "latency:raw", "latency:isolated" or "latency:ordinary" runs one alone (for strace/perf).
    let pick = only?.split(separator: ":").dropFirst().first.map(String.init)
    let raw = pick == nil || pick == "raw" ? rawRoundTrip(rounds: rounds) : .nan
    print("  raw REQ (own thread)".padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: " %7.1f µs  1.00×", raw))
    if pick == nil || pick == "isolated" {
        let isolated = try await frameworkRoundTrip(rounds: rounds, isolated: true)
        print("  ReqSocket, isolated to the socket".padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: " %7.1f µs  %.2f×", isolated, isolated / raw))
    }
    if pick == nil || pick == "ordinary" {
        let ordinary = try await frameworkRoundTrip(rounds: rounds, isolated: false)
        print("  ReqSocket, ordinary task".padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: " %7.1f µs  %.2f×", ordinary, ordinary / raw))
    }
}
if only == nil {
    let idle = try await idleCPU(sockets: 100, seconds: 5)
    print(String(format: "idle: 100 sockets with pending receives, 5 s: %.2f %% of a core", idle))
}
