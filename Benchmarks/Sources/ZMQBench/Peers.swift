// Peers: pyzmq doing the same work, so the framework can be compared with what Python users
// have. The peer script (Benchmarks/Peers/pyzmq_bench.py) runs as a child process: as a PULL
// (sync and asyncio) that zmq-bench's raw PUSH thread feeds over tcp 64 B, timing itself from
// the first message to the last; and as a REQ client (sync and asyncio) of a raw REP echo thread,
// timing each round trip. Ratios are to this run's raw rows (tcp 64 B); the table also says how
// many times faster than zmq.asyncio each framework variant is (the target is ≥ 10×). A peer
// that is missing, fails or overstays is reported and skipped, never waited for.
import CZeroMQ
import Foundation
import ZeroMQ

enum Peers {
    enum Mode: String, CaseIterable {
        case sync, asyncio

        var variant: String { "pyzmq-\(rawValue)" }

        var throughputLabel: String {
            switch self {
            case .sync: "pyzmq sync (zmq.Context, sock.recv())"
            case .asyncio: "pyzmq asyncio (zmq.asyncio, await sock.recv())"
            }
        }

        var latencyLabel: String {
            switch self {
            case .sync: "pyzmq sync REQ ↔ raw echo"
            case .asyncio: "pyzmq asyncio REQ ↔ raw echo"
            }
        }

        /// Messages the PULL peer receives at full size.
        var fullCount: Int { self == .sync ? 1_000_000 : 100_000 }
    }

    struct Outcome {
        var results: PeerResults?
        var pyzmq: String?
        var pyzmqLibzmq: String?
        var notes: [String] = []
        /// This run's raw tcp 64 B figures the ratios are to (shown beside the peers).
        var rawRate: Double?
        var rawMean: Double?
    }

    private struct Versions: Decodable { var pyzmq: String; var libzmq: String }
    private struct PullResult: Decodable { var messages: Int; var seconds: Double; var rate: Double }
    private struct RequestResult: Decodable { var rounds: Int; var mean: Double; var p50: Double; var p99: Double }

    static let size = 64
    static let timeoutArguments = ["--timeout", "30"]

    static func run(_ settings: Settings, throughput: [ThroughputRow]?, latency: [LatencyRow]?) async throws -> Outcome {
        var outcome = Outcome()
        guard let python = settings.python else {
            outcome.notes.append("skipped: no python (no .venv/bin/python in the repository; pass --python PATH)")
            return outcome
        }
        guard let script = settings.peerScript, FileManager.default.fileExists(atPath: script) else {
            outcome.notes.append("skipped: the peer script is missing (\(settings.peerScript ?? "Benchmarks/Peers/pyzmq_bench.py"); pass --peer-script PATH)")
            return outcome
        }
        Watchdog.shared.arm("peers: checking pyzmq", seconds: 120)
        guard let versions = await pyzmqVersions(python) else {
            outcome.notes.append("skipped: \(python) cannot import zmq (pyzmq not installed there)")
            return outcome
        }
        outcome.pyzmq = versions.pyzmq
        outcome.pyzmqLibzmq = versions.libzmq
        var results = PeerResults(throughput: [], latency: [])

        let rawRate = try await rawThroughputBaseline(settings, throughput)
        outcome.rawRate = rawRate
        for mode in Mode.allCases {
            let count = settings.count(mode.fullCount)
            Watchdog.shared.arm("peers: \(mode.variant) pull", seconds: 400)
            do {
                let result = try await pull(python, script, mode, count: count)
                progress("peers \(mode.variant) pull: \(Format.integer(result.rate)) msg/s")
                results.throughput.append(PeerThroughputRow(
                    transport: "tcp", size: size, variant: mode.variant, label: mode.throughputLabel, messages: result.messages,
                    rate: rounded(result.rate, 1), ratio: roundedIfPresent(Statistics.ratio(result.rate, to: rawRate), 3)
                ))
            } catch {
                outcome.notes.append("\(mode.variant) throughput skipped: \(error)")
            }
        }

        let rawMean = try await rawLatencyBaseline(settings, latency)
        outcome.rawMean = rawMean
        for mode in Mode.allCases {
            let rounds = settings.count(5_000)
            Watchdog.shared.arm("peers: \(mode.variant) req", seconds: 400)
            do {
                let result = try await request(python, script, mode, rounds: rounds, warmup: settings.latencyWarmup)
                progress("peers \(mode.variant) req: mean \(Format.decimal(result.mean, 1)) µs")
                results.latency.append(LatencyRow(
                    pattern: EchoPattern.reqRep.rawValue, transport: "tcp", size: size, variant: mode.variant,
                    label: mode.latencyLabel, rounds: result.rounds, mean: rounded(result.mean, 2), p50: rounded(result.p50, 2),
                    p99: rounded(result.p99, 2), ratio: roundedIfPresent(Statistics.ratio(result.mean, to: rawMean), 3)
                ))
            } catch {
                outcome.notes.append("\(mode.variant) latency skipped: \(error)")
            }
        }
        Watchdog.shared.disarm()
        if !results.throughput.isEmpty || !results.latency.isEmpty { outcome.results = results }
        return outcome
    }

    /// pyzmq's and its libzmq's versions, or nil when `import zmq` fails.
    private static func pyzmqVersions(_ python: String) async -> Versions? {
        let code = "import json, zmq; print(json.dumps({'pyzmq': zmq.__version__, 'libzmq': zmq.zmq_version()}))"
        guard let child = try? ChildProcess(python, ["-c", code]) else { return nil }
        let line = await child.nextLine(timeout: .seconds(60))
        guard await child.exitStatus(timeout: .seconds(10)) == 0, let line else { return nil }
        return try? JSONDecoder().decode(Versions.self, from: Data(line.utf8))
    }

    /// The peer binds a PULL, says where, and the raw sender thread feeds it `count` messages.
    private static func pull(_ python: String, _ script: String, _ mode: Mode, count: Int) async throws -> PullResult {
        let child = try ChildProcess(python, [
            script, "pull", "--mode", mode.rawValue, "--bind", "tcp://127.0.0.1:*", "--count", "\(count)", "--size", "\(size)",
        ] + timeoutArguments)
        let prefix = "listening on "
        guard let announcement = await child.nextLine(timeout: .seconds(60)), announcement.hasPrefix(prefix) else {
            throw await failure(child, "no 'listening on' line")
        }
        // A dead peer fails the sender's zmq_send after 30 s instead of blocking it forever; the
        // sender is awaited only when the peer succeeded (it has then received everything).
        let sender = try RawSender.connecting(
            "raw PUSH → pyzmq", to: String(announcement.dropFirst(prefix.count)), count: count,
            payload: .copy(size: size), linger: 10_000, sendTimeout: 30_000, waitsForFinish: false
        )
        let line = await child.nextLine(timeout: .seconds(300))
        guard let line, let result = try? JSONDecoder().decode(PullResult.self, from: Data(line.utf8)) else {
            throw await failure(child, "no result line")
        }
        guard let status = await child.exitStatus(timeout: .seconds(30)), status == 0 else {
            throw await failure(child, "no clean exit")
        }
        try await sender.finish()
        guard result.messages == count else { throw BenchError("the peer reports \(result.messages) messages, expected \(count)") }
        return result
    }

    /// A raw REP echo thread serves the peer's REQ: `warmup` + `rounds` round trips.
    private static func request(_ python: String, _ script: String, _ mode: Mode, rounds: Int, warmup: Int) async throws -> RequestResult {
        let server = try RawEchoServer.start(.reqRep, bindTo: "tcp://127.0.0.1:*", rounds: warmup + rounds, receiveTimeout: 30_000)
        let child = try ChildProcess(python, [
            script, "req", "--mode", mode.rawValue, "--connect", server.endpoint, "--rounds", "\(rounds)",
            "--warmup", "\(warmup)", "--size", "\(size)",
        ] + timeoutArguments)
        let line = await child.nextLine(timeout: .seconds(300))
        guard let line, let result = try? JSONDecoder().decode(RequestResult.self, from: Data(line.utf8)) else {
            throw await failure(child, "no result line")
        }
        guard let status = await child.exitStatus(timeout: .seconds(30)), status == 0 else {
            throw await failure(child, "no clean exit")
        }
        try await server.thread.value()
        return result
    }

    /// Why a peer run failed: its exit status (what the script says it means) and its stderr.
    private static func failure(_ child: ChildProcess, _ what: String) async -> BenchError {
        let status = await child.exitStatus(timeout: .seconds(10))
        let meaning = switch status {
        case nil: "killed after the timeout"
        case 0?: "exited 0"
        case 1?: "exit 1: a message had the wrong size"
        case 2?: "exit 2: timed out waiting for a peer, or bad arguments"
        case 3?: "exit 3: pyzmq is not installed"
        case let other?: "exit \(other)"
        }
        let tail = child.errorTail
        return BenchError("\(what) (\(meaning))\(tail.isEmpty ? "" : ": \(tail)")")
    }

    /// Raw tcp 64 B throughput of this run, measured now if the throughput section did not run.
    private static func rawThroughputBaseline(_ settings: Settings, _ rows: [ThroughputRow]?) async throws -> Double {
        if let row = rows?.first(where: { $0.transport == "tcp" && $0.size == size && $0.variant == ReceiverVariant.raw.rawValue }) {
            return row.rate
        }
        Watchdog.shared.arm("peers: raw throughput baseline")
        return try await Throughput.measure(.raw, .tcp, size: size, count: settings.count(1_000_000)).rate
    }

    /// Raw REQ/REP tcp 64 B mean round trip of this run, measured now if the latency section did not run.
    private static func rawLatencyBaseline(_ settings: Settings, _ rows: [LatencyRow]?) async throws -> Double {
        if let row = rows?.first(where: {
            $0.pattern == EchoPattern.reqRep.rawValue && $0.transport == "tcp" && $0.size == size && $0.variant == ClientVariant.raw.rawValue
        }) {
            return row.mean
        }
        Watchdog.shared.arm("peers: raw latency baseline")
        return try await LatencySummary(nanoseconds: Latency.measure(.reqRep, .tcp, size: size, variant: .raw, warmup: settings.latencyWarmup, rounds: settings.latencyRounds)).mean
    }

    /// The section's tables and the comparison with zmq.asyncio.
    static func report(_ outcome: Outcome, throughput: [ThroughputRow]?, latency: [LatencyRow]?) {
        guard let results = outcome.results else {
            output(["", "== peers (pyzmq)"] + outcome.notes.map { "   " + $0 })
            return
        }
        var notes = ["pyzmq \(outcome.pyzmq ?? "?") on libzmq \(outcome.pyzmqLibzmq ?? "?"), as a child process; tcp 127.0.0.1, 64 B; × raw: to this run's raw rows"]
        notes += outcome.notes
        var throughputTable = TextTable([("PULL receiver (raw PUSH thread sends)", .left), ("messages", .right), ("msg/s", .right), ("× raw", .right)])
        if let rawRate = outcome.rawRate {
            throughputTable.add([ReceiverVariant.raw.label + ", this run", "", Format.integer(rawRate), "1.00"])
        }
        for row in results.throughput {
            throughputTable.add([row.label, Format.integer(Double(row.messages)), Format.integer(row.rate), Format.ratio(row.ratio)])
        }
        printSection("peers (pyzmq)", notes: notes, throughputTable)
        var latencyTable = TextTable([("REQ/REP client ↔ server", .left), ("rounds", .right), ("mean µs", .right), ("p50", .right), ("p99", .right), ("× raw", .right)])
        if let rawMean = outcome.rawMean {
            latencyTable.add([ClientVariant.raw.label(.reqRep) + ", this run", "", Format.decimal(rawMean, 1), "", "", "1.00"])
        }
        for row in results.latency {
            latencyTable.add([row.label, "\(row.rounds)", Format.decimal(row.mean, 1), Format.decimal(row.p50, 1), Format.decimal(row.p99, 1), Format.ratio(row.ratio)])
        }
        output([latencyTable.render()])

        var comparison = TextTable([("framework vs zmq.asyncio (target ≥ 10×)", .left), ("figure", .right), ("zmq.asyncio", .right), ("× faster", .right)])
        if let asyncio = results.throughput.first(where: { $0.variant == Mode.asyncio.variant }) {
            for row in throughput ?? [] where row.transport == "tcp" && row.size == size && row.variant != ReceiverVariant.raw.rawValue {
                comparison.add(["throughput: " + row.label, Format.integer(row.rate) + " msg/s", Format.integer(asyncio.rate) + " msg/s", Format.decimal(row.rate / asyncio.rate, 1) + "×"])
            }
        }
        if let asyncio = results.latency.first(where: { $0.variant == Mode.asyncio.variant }) {
            for row in latency ?? [] where row.pattern == EchoPattern.reqRep.rawValue && row.transport == "tcp" && row.size == size && row.variant != ClientVariant.raw.rawValue {
                comparison.add(["latency: " + row.label, Format.decimal(row.mean, 1) + " µs", Format.decimal(asyncio.mean, 1) + " µs", Format.decimal(asyncio.mean / row.mean, 1) + "×"])
            }
        }
        if !comparison.rows.isEmpty {
            output(["", comparison.render()])
        } else {
            output(["   (run the throughput and latency sections too to compare the framework with zmq.asyncio)"])
        }
    }
}
