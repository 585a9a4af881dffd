// zmq-bench: every benchmark of swift-zeromq in one release-built process run, raw libzmq
// ceilings next to the framework's paths, printed as a table (stdout; progress on stderr) and
// written as JSON with --json (the zmq-bench results schema 1). This file runs the
// sections in order and prints the header and the memory figures; each section's file says
// what it measures and how.
//
//   swift build -c release --package-path Benchmarks
//   Benchmarks/.build/release/zmq-bench [--quick] [--repeat N] [--only a,b] [--json PATH]
//                                      [--python PATH] [--peer-script PATH] [--zmq PATH]
import ArgumentParser
import Foundation
import ZeroMQ

@main
struct ZMQBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq-bench",
        abstract: "Measures swift-zeromq against raw libzmq (and pyzmq) in one run.",
        discussion: "Sections: \(Section.allCases.map(\.rawValue).joined(separator: ", ")). Build with -c release."
    )

    @OptionGroup var options: Options

    mutating func run() async throws {
        let settings = try Settings(options)
        defer { Endpoints.shared.removeIPCDirectory() }
        try await Self.runSections(settings, jsonPath: options.jsonPath)
    }

    static func runSections(_ settings: Settings, jsonPath: String?) async throws {
        let started = monotonicNanoseconds()
        SystemMetrics.raiseFileLimit()
        let residentStart = SystemMetrics.residentMegabytes()
        let countsAllocations = Allocations.selfCheck()
        Watchdog.shared.start()

        var commit: String?
        if let root = settings.repositoryRoot { commit = await SystemMetrics.commit(in: root) }
        var results = Results(
            date: Results.timestamp(), commit: commit,
            machine: Machine(cores: SystemMetrics.cores, system: SystemMetrics.system, libzmq: Raw.version, swift: SystemMetrics.swiftVersion),
            settings: RunSettings(repeat: settings.repeats, quick: settings.quick)
        )
        output([
            "swift-zeromq benchmarks (zmq-bench) — \(results.date)",
            "machine: \(results.machine.cores) cores, \(results.machine.system), libzmq \(results.machine.libzmq), Swift \(results.machine.swift)"
                + (commit.map { ", commit \($0)" } ?? ""),
            "settings: repeat \(settings.repeats)\(settings.quick ? ", quick (counts ÷10)" : ""), sections: \(settings.sections.map(\.rawValue).joined(separator: ", "))",
            "setup: raw ends are libzmq on dedicated threads; framework receivers never run on the main actor;",
            "       tcp/ipc: a context per end, 1 I/O thread each; inproc: one context for both ends",
        ])

        if settings.runs(.throughput) {
            let rows = try await Throughput.run(settings)
            results.throughput = rows
            printSection("throughput: PUSH→PULL, raw sender thread, receiver varies", notes: Throughput.notes, Throughput.table(rows))
        }
        if settings.runs(.send) {
            let rows = try await SendBenchmark.run(settings)
            results.send = rows
            printSection("send: sender varies, raw PULL receiver thread", notes: SendBenchmark.notes, SendBenchmark.table(rows))
        }
        if settings.runs(.latency) {
            let rows = try await Latency.run(settings)
            results.latency = rows
            printSection("latency: round trips", notes: Latency.notes(settings), Latency.table(rows))
        }
        if settings.runs(.typed) {
            let rows = try await TypedLatency.run(settings)
            results.typed = rows
            printSection("typed: RequestClient round trips against raw REQ/REP", notes: TypedLatency.notes(settings), TypedLatency.table(rows))
            let throughput = try await TypedThroughput.run(settings)
            results.typedThroughput = throughput
            printSection(
                "typed: calls per second with \(TypedThroughput.callers) in flight", notes: TypedThroughput.notes(settings),
                TypedThroughput.table(throughput)
            )
            if settings.runsTypedStreams {
                let streams = try await TypedStreaming.run(settings)
                results.typedStreams = streams
                printSection("typed: server streams, responses per second", notes: TypedStreaming.notes(settings), TypedStreaming.table(streams))
            }
        }
        if settings.runs(.security) {
            let rows = try await SecurityBenchmark.run(settings)
            results.security = rows
            printSection("security: CURVE against NULL (tcp)", notes: SecurityBenchmark.notes(settings), SecurityBenchmark.table(rows))
        }
        if settings.runs(.peers) {
            let outcome = try await Peers.run(settings, throughput: results.throughput, latency: results.latency)
            for note in outcome.notes { progress("peers: \(note)") }
            results.peers = outcome.results
            if outcome.results != nil {
                results.machine.pyzmq = outcome.pyzmq
                results.machine.pyzmqLibzmq = outcome.pyzmqLibzmq
            }
            Peers.report(outcome, throughput: results.throughput, latency: results.latency)
        }
        if settings.runs(.cli) {
            let outcome = try await CLIBenchmark.run(settings)
            results.cli = outcome.rows
            if let rows = outcome.rows {
                printSection("cli: the zmq tool's push and pull, against raw ends", notes: CLIBenchmark.notes(outcome), CLIBenchmark.table(rows))
            } else {
                for note in outcome.notes { progress("warning: cli \(note)") }
                output(["", "== cli: the zmq tool's push and pull, against raw ends"] + outcome.notes.map { "   " + $0 })
            }
        }
        if settings.runs(.scale) {
            let rows = try await Scale.run(settings)
            results.scale = rows
            printSection("scale: N PULL sockets, one framework context", notes: Scale.notes, Scale.table(rows))
        }
        if settings.runs(.allocations) {
            if countsAllocations {
                let measured = try await Allocations.run(settings)
                results.allocations = measured.map(\.row)
                printSection("allocations per received message", notes: Allocations.notes(settings), Allocations.table(measured))
                let typed = try await TypedAllocations.run(settings)
                results.typedAllocations = typed
                printSection("allocations per typed call", notes: TypedAllocations.notes(settings), TypedAllocations.table(typed))
            } else {
                let warning = "skipped: the allocation counter saw no allocation in its self-check (malloc is not interposed in this build)"
                progress("warning: allocations \(warning)")
                output(["", "== allocations per received message", "   " + warning])
            }
        }
        var memory = Memory(rssStartMegabytes: roundedIfPresent(residentStart, 2))
        if settings.runs(.idle) {
            let outcome = try await Idle.run(settings)
            results.idle = outcome.rows
            memory.rssPer1000SocketsMegabytes = outcome.residentPer1000Sockets
            printSection("idle: sockets with a pending receive(), process CPU", Idle.table(outcome))
        }
        memory.rssPeakMegabytes = roundedIfPresent(SystemMetrics.peakResidentMegabytes(), 2)
        results.memory = memory
        output([
            "",
            "== memory",
            "   RSS at start \(Format.decimal(memory.rssStartMegabytes, 1)) MB, peak (VmHWM) \(Format.decimal(memory.rssPeakMegabytes, 1)) MB"
                + (memory.rssPer1000SocketsMegabytes.map { ", 1000 idle sockets add \(Format.decimal($0, 1)) MB" } ?? ""),
            "",
            "run time: \(Format.decimal(Double(monotonicNanoseconds() - started) / 1e9, 1)) s",
        ])
        if let jsonPath {
            try results.write(to: jsonPath)
            progress("wrote \(jsonPath)")
        }
    }
}
