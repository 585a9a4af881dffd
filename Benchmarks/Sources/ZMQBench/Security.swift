// Security: what CURVE costs against NULL, in the same run, over tcp loopback.
//
//   handshake   connections per second: a new DEALER connects, makes one 64 B round trip with a
//               raw ROUTER echo (the first reply proves the handshake is over), and closes with
//               linger 0; repeated. The client is raw libzmq (its own thread and context) or a
//               framework DealerSocket (ordinary task, one Context per run); the echo is raw.
//   throughput  PUSH→PULL at 64 B and 1 KiB: a raw sender thread, the receiver raw
//               (`zmq_msg_recv` loop) or a framework PullSocket isolated to the socket; the rate
//               is (N-1) / first to last arrival (the handshake is not in it).
//   latency     REQ/REP round trips at 64 B and 1 KiB: raw REQ or a framework ReqSocket
//               isolated to the socket, against a raw REP echo.
//
// CURVE: the server (ROUTER, PULL, REP) sets ZMQ_CURVE_SERVER and its secret key; the client
// (DEALER, PUSH, REQ) the server's public key and a key pair of its own; keys come from
// `zmq_curve_keypair` once per run. No ZAP handler is bound, so libzmq's CURVE server accepts
// any client key (encryption without authentication): the figures are the mechanism's own
// cost, without the ZAP request an authenticator adds to every handshake.
//
// NULL and CURVE runs of each variant interleave (raw NULL, raw CURVE, framework NULL, framework
// CURVE, then again), so that drift on a shared machine hits them alike.
import CZeroMQ
import Foundation
import Synchronization
import ZeroMQ

/// The two mechanisms compared.
enum SecurityMechanism: String, CaseIterable, Sendable {
    case null
    case curve

    var label: String {
        switch self {
        case .null: "NULL"
        case .curve: "CURVE"
        }
    }
}

/// Which end varies: raw libzmq or the framework's socket actor.
enum SecurityEnd: String, CaseIterable, Sendable {
    case raw
    case framework
}

/// A server key pair and a client key pair, as Z85 text (40 characters), made once per run.
struct CurveKeys: Sendable {
    var serverPublic: String
    var serverSecret: String
    var clientPublic: String
    var clientSecret: String

    static func generate() throws -> CurveKeys {
        let server = try pair()
        let client = try pair()
        return CurveKeys(serverPublic: server.public, serverSecret: server.secret, clientPublic: client.public, clientSecret: client.secret)
    }

    private static func pair() throws -> (public: String, secret: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try zmqCheck(zmq_curve_keypair(&publicKey, &secretKey), "zmq_curve_keypair")
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return (text(publicKey), text(secretKey))
    }

    /// Sets the server side of `mechanism` on a raw socket (nothing for NULL).
    func configureServer(_ socket: RawPointer, _ mechanism: SecurityMechanism) throws {
        guard mechanism == .curve else { return }
        try Raw.setOption(socket, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER")
        try Self.setKey(socket, ZMQ_CURVE_SECRETKEY, serverSecret, "ZMQ_CURVE_SECRETKEY")
    }

    /// Sets the client side of `mechanism` on a raw socket (nothing for NULL).
    func configureClient(_ socket: RawPointer, _ mechanism: SecurityMechanism) throws {
        guard mechanism == .curve else { return }
        try Self.setKey(socket, ZMQ_CURVE_SERVERKEY, serverPublic, "ZMQ_CURVE_SERVERKEY")
        try Self.setKey(socket, ZMQ_CURVE_PUBLICKEY, clientPublic, "ZMQ_CURVE_PUBLICKEY")
        try Self.setKey(socket, ZMQ_CURVE_SECRETKEY, clientSecret, "ZMQ_CURVE_SECRETKEY")
    }

    /// Sets the server side of `mechanism` on a framework socket.
    func configureServer<Role>(_ socket: Socket<Role>, _ mechanism: SecurityMechanism) async throws {
        guard mechanism == .curve else { return }
        try await socket.setOption(.curveServer, to: true)
        try await socket.setOption(.curveSecretKey, to: Array(serverSecret.utf8))
    }

    /// Sets the client side of `mechanism` on a framework socket.
    func configureClient<Role>(_ socket: Socket<Role>, _ mechanism: SecurityMechanism) async throws {
        guard mechanism == .curve else { return }
        try await socket.setOption(.curveServerKey, to: Array(serverPublic.utf8))
        try await socket.setOption(.curvePublicKey, to: Array(clientPublic.utf8))
        try await socket.setOption(.curveSecretKey, to: Array(clientSecret.utf8))
    }

    /// A Z85 key with its NUL (libzmq's preferred form: 41 bytes).
    private static func setKey(_ socket: RawPointer, _ option: Int32, _ key: String, _ name: String) throws {
        var bytes = Array(key.utf8CString)
        try zmqCheck(zmq_setsockopt(socket.raw, option, &bytes, bytes.count), "zmq_setsockopt", name)
    }
}

enum SecurityBenchmark {
    static let sizes = [64, 1024]
    static let handshakeSize = 64

    /// Connections per handshake run (each: connect, handshake, one round trip, close).
    static func handshakeCount(_ settings: Settings) -> Int { settings.count(2_000) }

    /// Messages per throughput run.
    static func throughputCount(_ settings: Settings, size: Int) -> Int {
        settings.count(size <= 64 ? 500_000 : 150_000)
    }

    /// One run's figure: a rate (handshake, throughput) or round-trip samples (latency).
    private enum Sample {
        case rate(Double)
        case roundTrips([UInt64])
    }

    private struct Key: Hashable {
        var end: SecurityEnd
        var mechanism: SecurityMechanism
    }

    static func run(_ settings: Settings) async throws -> [SecurityRow] {
        let keys = try CurveKeys.generate()
        var rows: [SecurityRow] = []
        rows += try await series(settings, measure: "handshake", size: handshakeSize, count: handshakeCount(settings)) { end, mechanism, count in
            .rate(try await handshakes(end, mechanism, keys, count: count))
        }
        for size in sizes {
            let count = throughputCount(settings, size: size)
            rows += try await series(settings, measure: "throughput", size: size, count: count) { end, mechanism, count in
                .rate(try await throughput(end, mechanism, keys, size: size, count: count))
            }
        }
        for size in sizes {
            rows += try await series(settings, measure: "latency", size: size, count: settings.latencyRounds) { end, mechanism, rounds in
                .roundTrips(try await latency(end, mechanism, keys, size: size, warmup: settings.latencyWarmup, rounds: rounds))
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// Runs the four variants of one figure `settings.repeats` times, interleaved, and makes
    /// their rows: the median rate (or the pooled round trips' mean, p50, p99), the ratio to raw
    /// with the same mechanism, and CURVE's figure over NULL's for the same end.
    private static func series(
        _ settings: Settings, measure: String, size: Int, count: Int,
        _ body: (SecurityEnd, SecurityMechanism, Int) async throws -> Sample
    ) async throws -> [SecurityRow] {
        var rates: [Key: [Double]] = [:]
        var samples: [Key: [UInt64]] = [:]
        for run in 1...settings.repeats {
            for end in SecurityEnd.allCases {
                for mechanism in SecurityMechanism.allCases {
                    let step = "security \(measure) \(Format.size(size)) \(end.rawValue) \(mechanism.rawValue) (run \(run)/\(settings.repeats))"
                    Watchdog.shared.arm(step)
                    let key = Key(end: end, mechanism: mechanism)
                    switch try await body(end, mechanism, count) {
                    case .rate(let rate):
                        progress("\(step): \(Format.integer(rate)) \(measure == "handshake" ? "connections" : "msg")/s")
                        rates[key, default: []].append(rate)
                    case .roundTrips(let run):
                        let summary = LatencySummary(nanoseconds: run)
                        progress("\(step): mean \(Format.decimal(summary.mean, 1)) µs, p99 \(Format.decimal(summary.p99, 1)) µs")
                        samples[key, default: []].append(contentsOf: run)
                    }
                }
            }
        }
        // The figure each ratio compares: a rate (higher is better) or a mean round trip (lower is).
        var figures: [Key: Double] = [:]
        var rows: [Key: SecurityRow] = [:]
        for end in SecurityEnd.allCases {
            for mechanism in SecurityMechanism.allCases {
                let key = Key(end: end, mechanism: mechanism)
                var row = SecurityRow(
                    measure: measure, transport: Transport.tcp.rawValue, size: size, mechanism: mechanism.rawValue,
                    variant: end.rawValue, label: label(measure, end), count: count * settings.repeats
                )
                if let runs = rates[key] {
                    let rate = Statistics.median(runs)
                    row.rate = rounded(rate, 1)
                    row.runs = runs.map { rounded($0, 1) }
                    figures[key] = rate
                } else if let pooled = samples[key] {
                    let summary = LatencySummary(nanoseconds: pooled)
                    row.mean = rounded(summary.mean, 2)
                    row.p50 = rounded(summary.p50, 2)
                    row.p99 = rounded(summary.p99, 2)
                    figures[key] = summary.mean
                }
                rows[key] = row
            }
        }
        var ordered: [SecurityRow] = []
        for end in SecurityEnd.allCases {
            for mechanism in SecurityMechanism.allCases {
                let key = Key(end: end, mechanism: mechanism)
                guard var row = rows[key] else { continue }
                let figure = figures[key] ?? 0
                row.ratio = roundedIfPresent(Statistics.ratio(figure, to: figures[Key(end: .raw, mechanism: mechanism)]), 3)
                if mechanism == .curve {
                    row.curveToNull = roundedIfPresent(Statistics.ratio(figure, to: figures[Key(end: end, mechanism: .null)]), 3)
                }
                ordered.append(row)
            }
        }
        return ordered
    }

    static func label(_ measure: String, _ end: SecurityEnd) -> String {
        switch (measure, end) {
        case ("handshake", .raw): "raw DEALER (own thread) → raw ROUTER echo"
        case ("handshake", .framework): "DealerSocket, ordinary task → raw ROUTER echo"
        case ("throughput", .raw): "raw PUSH → raw PULL (zmq_msg_recv loop)"
        case ("throughput", .framework): "raw PUSH → PullSocket, isolated receive()"
        case (_, .raw): "raw REQ (own thread) ↔ raw REP echo"
        case (_, .framework): "ReqSocket, isolated ↔ raw REP echo"
        }
    }

    // MARK: - Handshakes

    /// Connections per second: `count` times a new client socket connects, makes one round trip
    /// and closes (linger 0), after 20 untimed ones.
    static func handshakes(_ end: SecurityEnd, _ mechanism: SecurityMechanism, _ keys: CurveKeys, count: Int) async throws -> Double {
        let server = try RawRouterEcho(keys: keys, mechanism: mechanism)
        let warmup = 20
        let elapsed: UInt64
        do {
            switch end {
            case .raw:
                elapsed = try await RawThread("raw handshake client") {
                    try rawHandshakes(to: server.endpoint, mechanism, keys, warmup: warmup, count: count)
                }.value()
            case .framework:
                let context = try Context()
                do {
                    elapsed = try await Task.detached {
                        try await frameworkHandshakes(context, to: server.endpoint, mechanism, keys, warmup: warmup, count: count)
                    }.value
                } catch {
                    await context.shutdown()
                    throw error
                }
                await context.shutdown()
            }
        } catch {
            _ = try? await server.stop()
            throw error
        }
        let answered = try await server.stop()
        guard answered == warmup + count else {
            throw BenchError("security handshake \(end.rawValue) \(mechanism.rawValue): the echo answered \(answered) requests, expected \(warmup + count)")
        }
        return Double(count) / (Double(elapsed) / 1e9)
    }

    /// The raw client's loop, on its own thread with one context; returns the timed nanoseconds.
    private static func rawHandshakes(to endpoint: String, _ mechanism: SecurityMechanism, _ keys: CurveKeys, warmup: Int, count: Int) throws -> UInt64 {
        let context = try Raw.context()
        defer { try? Raw.terminate(context) }
        let payload = [UInt8](repeating: 0x2A, count: handshakeSize)
        var reply = zmq_msg_t()
        zmq_msg_init(&reply)
        defer { zmq_msg_close(&reply) }
        var start: UInt64 = 0
        for connection in 0..<(warmup + count) {
            if connection == warmup { start = monotonicNanoseconds() }
            let socket = try Raw.socket(context.raw, ZMQ_DEALER)
            var failure: (any Error)?
            do {
                try Raw.setOption(socket, ZMQ_LINGER, 0, "ZMQ_LINGER")
                // A lost handshake fails the run instead of hanging it (the watchdog's 300 s
                // would name the step too, but later).
                try Raw.setOption(socket, ZMQ_RCVTIMEO, 10_000, "ZMQ_RCVTIMEO")
                try keys.configureClient(socket, mechanism)
                try Raw.connect(socket, endpoint)
                _ = try payload.withUnsafeBytes { buffer in
                    try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, buffer.count, 0), "zmq_send", "handshake client")
                }
                let received = try zmqCheck(zmq_msg_recv(&reply, socket.raw, 0), "zmq_msg_recv", "handshake client, connection \(connection + 1)")
                guard received == handshakeSize else { throw BenchError("handshake client: a reply of \(received) bytes, expected \(handshakeSize)") }
            } catch {
                failure = error
            }
            try Raw.close(socket)
            if let failure { throw failure }
        }
        return monotonicNanoseconds() - start
    }

    /// The framework client's loop: a DealerSocket per connection; returns the timed nanoseconds.
    private static func frameworkHandshakes(_ context: Context, to endpoint: String, _ mechanism: SecurityMechanism, _ keys: CurveKeys, warmup: Int, count: Int) async throws -> UInt64 {
        let payload = Message([UInt8](repeating: 0x2A, count: handshakeSize))
        var start: UInt64 = 0
        for connection in 0..<(warmup + count) {
            if connection == warmup { start = monotonicNanoseconds() }
            let dealer = try DealerSocket(context)
            do {
                try await dealer.setOption(.linger, to: .zero)
                try await keys.configureClient(dealer, mechanism)
                try await dealer.connect(endpoint)
                try await dealer.send(payload)
                let reply = try await dealer.receive(timeout: .seconds(10))
                guard reply.byteCount == handshakeSize else {
                    throw BenchError("handshake client: a reply of \(reply.byteCount) bytes, expected \(handshakeSize)")
                }
            } catch {
                await dealer.close()
                throw error
            }
            await dealer.close()
        }
        return monotonicNanoseconds() - start
    }

    // MARK: - Throughput

    /// One PUSH→PULL run over tcp: the receiver's rate.
    static func throughput(_ end: SecurityEnd, _ mechanism: SecurityMechanism, _ keys: CurveKeys, size: Int, count: Int) async throws -> Double {
        let address = try Endpoints.shared.bindAddress(.tcp)
        let what = "security throughput \(Format.size(size)) \(end.rawValue) \(mechanism.rawValue)"
        func sender(to endpoint: String) throws -> RawSender {
            let context = try Raw.context()
            let push = try Raw.socket(context.raw, ZMQ_PUSH)
            try keys.configureClient(push, mechanism)
            try Raw.connect(push, endpoint)
            return RawSender("raw PUSH", socket: push, ownedContext: context, count: count, payload: .copy(size: size))
        }
        let tally: Tally
        switch end {
        case .raw:
            let context = try Raw.context()
            let pull = try Raw.socket(context.raw, ZMQ_PULL)
            try keys.configureServer(pull, mechanism)
            let endpoint = try Raw.bind(pull, address)
            let receiver = RawReceiver.start("raw PULL", socket: pull, ownedContext: context, count: count)
            let push = try sender(to: endpoint)
            tally = try await receiver.value()
            try await push.finish()
        case .framework:
            let context = try Context()
            let pull = try PullSocket(context)
            try await keys.configureServer(pull, mechanism)
            let endpoint = try await pull.bind(address)
            let push = try sender(to: endpoint)
            tally = try await receiveIsolated(pull, count)
            try await push.finish()
            await context.shutdown()
        }
        try tally.verify(messages: count, bytes: count * size, what)
        return tally.rate
    }

    // MARK: - Latency

    /// One series of REQ/REP round trips over tcp against a raw REP echo.
    static func latency(_ end: SecurityEnd, _ mechanism: SecurityMechanism, _ keys: CurveKeys, size: Int, warmup: Int, rounds: Int) async throws -> [UInt64] {
        let address = try Endpoints.shared.bindAddress(.tcp)
        let server = try RawEchoServer.start(.reqRep, bindTo: address, rounds: warmup + rounds) { try keys.configureServer($0, mechanism) }
        let samples: [UInt64]
        switch end {
        case .raw:
            let client = try RawClient.start(.reqRep, to: server.endpoint, size: size, warmup: warmup, rounds: rounds) {
                try keys.configureClient($0, mechanism)
            }
            samples = try await client.value()
        case .framework:
            let context = try Context()
            let req = try ReqSocket(context)
            try await keys.configureClient(req, mechanism)
            try await req.connect(server.endpoint)
            samples = try await roundTripsIsolated(req, Message([UInt8](repeating: 0x2A, count: size)), size: size, warmup: warmup, rounds: rounds)
            await context.shutdown()
        }
        try await server.thread.value()
        return samples
    }

    // MARK: - Report

    static func table(_ rows: [SecurityRow]) -> TextTable {
        var table = TextTable([
            ("measure", .left), ("size", .right), ("ends", .left), ("mechanism", .left),
            ("rate /s", .right), ("mean µs", .right), ("p99 µs", .right), ("× raw", .right), ("CURVE ÷ NULL", .right),
        ])
        var previous: (String, Int)?
        for row in rows {
            if let previous, previous != (row.measure, row.size) { table.addSeparator() }
            previous = (row.measure, row.size)
            table.add([
                row.measure, Format.size(row.size), row.label, SecurityMechanism(rawValue: row.mechanism)?.label ?? row.mechanism,
                row.rate.map(Format.integer) ?? "-", Format.decimal(row.mean, 1), Format.decimal(row.p99, 1),
                Format.ratio(row.ratio), Format.ratio(row.curveToNull),
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "tcp 127.0.0.1; each end has its own context, 1 I/O thread; NULL and CURVE runs interleave",
            "CURVE servers here accept ANY client key: no ZAP handler is bound (encryption only, no",
            "  authentication); an authenticator adds a ZAP request per handshake, not measured here",
            "handshake: \(handshakeCount(settings)) connections per run (+20 untimed), each a new DEALER: connect,",
            "  one 64 B round trip with a raw ROUTER echo, close (linger 0); rate = connections / time",
            "throughput: raw PUSH sender thread; rate = (N-1) / first to last arrival; median of \(settings.repeats) run(s)",
            "latency: \(settings.latencyWarmup) warm-up + \(settings.latencyRounds) timed REQ/REP round trips per run against a raw REP echo",
            "× raw: the framework's figure over raw's with the same mechanism; CURVE ÷ NULL: the same end's",
            "  CURVE figure over its NULL one (rates: below 1 = slower; latency means: above 1 = slower)",
        ]
    }
}

/// A raw ROUTER echo on a thread of its own that answers every message (all its frames sent
/// back) until stopped, counting them: the handshake benchmark's server, which meets a new
/// connection for every request.
final class RawRouterEcho: Sendable {
    let endpoint: String
    private let thread: RawThread<Int>
    private let stopping = StopFlag()

    init(keys: CurveKeys, mechanism: SecurityMechanism) throws {
        let context = try Raw.context()
        let socket = try Raw.socket(context.raw, ZMQ_ROUTER)
        try Raw.setOption(socket, ZMQ_LINGER, 0, "ZMQ_LINGER")
        try keys.configureServer(socket, mechanism)
        endpoint = try Raw.bind(socket, try Endpoints.shared.bindAddress(.tcp))
        thread = RawThread("raw ROUTER echo") { [stopping] in
            var answered = 0
            var failure: (any Error)?
            do {
                answered = try Self.echo(socket, until: stopping)
            } catch {
                failure = error
            }
            try Raw.close(socket)
            try Raw.terminate(context)
            if let failure { throw failure }
            return answered
        }
    }

    /// Stops the echo; returns how many messages it answered.
    func stop() async throws -> Int {
        stopping.flag.store(true, ordering: .releasing)
        return try await thread.value()
    }

    private static func echo(_ socket: RawPointer, until stopping: StopFlag) throws -> Int {
        var frame = zmq_msg_t()
        zmq_msg_init(&frame)
        defer { zmq_msg_close(&frame) }
        var item = zmq_pollitem_t(socket: socket.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        var answered = 0
        while !stopping.flag.load(ordering: .acquiring) {
            try zmqCheck(zmq_poll(&item, 1, 50), "zmq_poll", "ROUTER echo")
            guard item.revents & Int16(ZMQ_POLLIN) != 0 else { continue }
            while true {
                if zmq_msg_recv(&frame, socket.raw, ZMQ_DONTWAIT) == -1 {
                    if zmq_errno() == EAGAIN { break }
                    throw BenchError.libzmq("zmq_msg_recv", "ROUTER echo")
                }
                // Echo every frame as it comes, routing id first; the last one ends the message.
                var more = zmq_msg_more(&frame) != 0
                try zmqCheck(zmq_msg_send(&frame, socket.raw, more ? ZMQ_SNDMORE : 0), "zmq_msg_send", "ROUTER echo")
                while more {
                    try zmqCheck(zmq_msg_recv(&frame, socket.raw, 0), "zmq_msg_recv", "ROUTER echo")
                    more = zmq_msg_more(&frame) != 0
                    // A peer gone meanwhile makes ROUTER drop the reply silently (no error).
                    try zmqCheck(zmq_msg_send(&frame, socket.raw, more ? ZMQ_SNDMORE : 0), "zmq_msg_send", "ROUTER echo")
                }
                answered += 1
            }
        }
        return answered
    }
}

/// A flag a dedicated thread polls to know when to stop.
final class StopFlag: Sendable {
    let flag = Atomic<Bool>(false)
}
