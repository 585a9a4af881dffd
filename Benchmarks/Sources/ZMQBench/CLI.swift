// CLI: the `zmq` tool's pipeline, the pairing users reach for first to see how fast ZeroMQ is:
// `zmq push --size 64 --count N` into `zmq pull --count N --quiet`, two processes over tcp
// loopback, against raw libzmq ends (a PUSH thread and a PULL thread, a context each) in the same
// run. Each tool end also runs against a raw end, to tell which side limits. The tool is the
// release binary of this checkout (`swift build -c release --product zmq`; `make bench` builds
// it first), or the one `--zmq` names; without it the section is skipped with a note.
//
// The tool's rate is the one `zmq pull` prints in its summary (its first message to its last);
// a raw PULL's is (N-1) / the same span, as in the throughput section. Repeats interleave the
// variants; the median is reported.
import CZeroMQ
import Foundation

/// Which ends move the messages.
enum CLIVariant: String, CaseIterable, Sendable {
    case raw
    case tool = "zmq-push-zmq-pull"
    case toolPull = "raw-push-zmq-pull"
    case toolPush = "zmq-push-raw-pull"

    var label: String {
        switch self {
        case .raw: "raw PUSH thread → raw PULL thread (a context each)"
        case .tool: "zmq push → zmq pull --quiet (two processes)"
        case .toolPull: "raw PUSH thread → zmq pull --quiet"
        case .toolPush: "zmq push → raw PULL thread"
        }
    }
}

enum CLIBenchmark {
    static let size = 64
    static let fullCount = 1_000_000

    /// What the section found: its rows, or why it was skipped.
    struct Outcome: Sendable {
        var rows: [ThroughputRow]?
        var notes: [String] = []
    }

    static func run(_ settings: Settings) async throws -> Outcome {
        guard let tool = settings.zmqTool else {
            return Outcome(notes: [
                "skipped: no release build of the zmq tool (swift build -c release --product zmq, or --zmq PATH)"
            ])
        }
        let count = settings.count(fullCount)
        var samples: [CLIVariant: [Double]] = [:]
        for round in 1...settings.repeats {
            for variant in CLIVariant.allCases {
                let step = "cli \(variant.rawValue) (run \(round)/\(settings.repeats))"
                Watchdog.shared.arm(step, seconds: 120)
                let rate = try await measure(variant, tool: tool, count: count)
                progress("\(step): \(Format.integer(rate)) msg/s")
                samples[variant, default: []].append(rate)
            }
        }
        Watchdog.shared.disarm()
        let rawRate = Statistics.median(samples[.raw, default: []])
        let rows = CLIVariant.allCases.map { variant in
            let rates = samples[variant, default: []]
            let rate = Statistics.median(rates)
            return ThroughputRow(
                transport: "tcp", size: size, variant: variant.rawValue, label: variant.label,
                setup: "tool: \(tool); each process its own context, 1 I/O thread", messages: count,
                rate: rounded(rate, 1), runs: rates.map { rounded($0, 1) },
                megabytesPerSecond: rounded(rate * Double(size) / 1e6, 2),
                ratio: roundedIfPresent(Statistics.ratio(rate, to: rawRate), 3), cpuNanosecondsPerMessage: nil
            )
        }
        return Outcome(rows: rows, notes: ["tool: \(tool)"])
    }

    /// One run of `variant`: its rate in messages per second.
    static func measure(_ variant: CLIVariant, tool: String, count: Int) async throws -> Double {
        switch variant {
        case .raw:
            return try await Throughput.measure(.raw, .tcp, size: size, count: count).rate
        case .tool:
            let pull = try startPull(tool, count: count)
            let push = try ChildProcess(tool, pushArguments(to: try await endpoint(of: pull), count: count))
            let rate = try await pullRate(pull, count: count)
            try await succeeded(push, "zmq push")
            return rate
        case .toolPull:
            let pull = try startPull(tool, count: count)
            // A dead pull fails the sender's zmq_send after 30 s instead of blocking it forever.
            let sender = try RawSender.connecting(
                "raw PUSH → zmq pull", to: try await endpoint(of: pull), count: count,
                payload: .copy(size: size), linger: 10_000, sendTimeout: 30_000, waitsForFinish: false
            )
            let rate = try await pullRate(pull, count: count)
            try await sender.finish()
            return rate
        case .toolPush:
            let context = try Raw.context()
            let socket = try Raw.socket(context.raw, ZMQ_PULL)
            // A dead push fails the receive after 30 s instead of blocking it forever.
            try Raw.setOption(socket, ZMQ_RCVTIMEO, 30_000, "ZMQ_RCVTIMEO")
            let endpoint = try Raw.bind(socket, "tcp://127.0.0.1:*")
            let receiver = RawReceiver.start("raw PULL ← zmq push", socket: socket, ownedContext: context, count: count)
            let push = try ChildProcess(tool, pushArguments(to: endpoint, count: count))
            let tally = try await receiver.value()
            try await succeeded(push, "zmq push")
            try tally.verify(messages: count, bytes: count * size, "cli zmq push → raw PULL")
            return tally.rate
        }
    }

    private static func pushArguments(to endpoint: String, count: Int) -> [String] {
        ["push", "--connect", endpoint, "--size", "\(size)", "--count", "\(count)", "--quiet"]
    }

    private static func startPull(_ tool: String, count: Int) throws -> ChildProcess {
        try ChildProcess(tool, ["pull", "--bind", "tcp://127.0.0.1:*", "--count", "\(count)", "--quiet"])
    }

    /// The endpoint a child announced with `listening on <endpoint>` on stderr.
    private static func endpoint(of child: ChildProcess) async throws -> String {
        guard let endpoint = await child.errorLine(startingWith: "listening on ", timeout: .seconds(30)) else {
            child.kill()
            throw BenchError("cli: zmq printed no 'listening on' line: \(child.errorTail)")
        }
        return endpoint
    }

    /// The rate of `zmq pull --quiet`'s summary, `N messages in S s (R msg/s)`: (N-1) / S, once
    /// it has exited cleanly having received `count` messages.
    private static func pullRate(_ pull: ChildProcess, count: Int) async throws -> Double {
        let line = await pull.nextLine(timeout: .seconds(100))
        try await succeeded(pull, "zmq pull")
        let parts = line?.split(separator: " ") ?? []
        guard parts.count >= 5, parts[1] == "messages", parts[2] == "in", let messages = Int(parts[0]),
            let seconds = Double(parts[3]), seconds > 0
        else {
            throw BenchError("cli: zmq pull printed no summary line (\(line ?? "nothing"))")
        }
        guard messages == count else { throw BenchError("cli: zmq pull received \(messages) messages, expected \(count)") }
        return Double(messages - 1) / seconds
    }

    private static func succeeded(_ child: ChildProcess, _ what: String) async throws {
        guard let status = await child.exitStatus(timeout: .seconds(60)), status == 0 else {
            throw BenchError("cli: \(what) did not exit cleanly: \(child.errorTail)")
        }
    }

    /// The section's table.
    static func table(_ rows: [ThroughputRow]) -> TextTable {
        var table = TextTable([("ends", .left), ("messages", .right), ("msg/s", .right), ("MB/s", .right), ("× raw", .right)])
        for row in rows {
            table.add([
                row.label, Format.integer(Double(row.messages)), Format.integer(row.rate),
                Format.decimal(row.megabytesPerSecond, 1), Format.ratio(row.ratio),
            ])
        }
        return table
    }

    static func notes(_ outcome: Outcome) -> [String] {
        [
            "tcp 127.0.0.1, 64 B; zmq push --size 64 --count N --quiet, zmq pull --count N --quiet",
            "rate: zmq pull's summary (first message to last), or (N-1) / the same span for a raw PULL; median of the repeats",
        ] + outcome.notes
    }
}
