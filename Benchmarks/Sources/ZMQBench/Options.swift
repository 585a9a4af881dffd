// The command line (`zmq-bench --quick --repeat N --only a,b --json PATH --python PATH
// --peer-script PATH`) and the settings every section reads from it: message counts (÷10 with
// --quick), repeats, and where the repository, its .venv python and the pyzmq peer script are.
import ArgumentParser
import Foundation

/// The sections, in the order they run.
enum Section: String, CaseIterable, Sendable {
    case throughput, send, latency, typed, security, peers, cli, scale, allocations, idle
}

struct Options: ParsableArguments {
    @Option(name: .customLong("json"), help: ArgumentHelp("Write the results as JSON (schema 1) to this file.", valueName: "path"))
    var jsonPath: String?

    @Flag(help: "Counts ÷10, one repeat, idle measured for 1 s: a smoke run.")
    var quick = false

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Runs of each throughput, send and scale figure, interleaved; the median is reported (default 3, 1 with --quick).", valueName: "n"))
    var repeatCount: Int?

    @Option(help: ArgumentHelp("Comma-separated sections to run: \(Section.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).", valueName: "a,b"))
    var only: String?

    @Option(help: ArgumentHelp("Throughput only over these transports: tcp, ipc, inproc (default: all).", valueName: "a,b"))
    var transports: String?

    @Option(help: ArgumentHelp("Throughput only at these message sizes in bytes: 16, 64, 1024, 65536 (default: all).", valueName: "a,b"))
    var sizes: String?

    @Option(help: ArgumentHelp("Throughput only for these receivers: raw, ordinary-task, task-executor, isolated, async-sequence (default: all; without raw there are no ratios). For profiling one path.", valueName: "a,b"))
    var receivers: String?

    @Option(help: ArgumentHelp("Latency only for these clients: raw, framework-ordinary-task, framework-request, framework-request-busy-polling, framework-isolated, framework-both-ends (default: all; without raw there are no ratios). For profiling one path.", valueName: "a,b"))
    var clients: String?

    @Option(help: ArgumentHelp("The typed section only for these variants: raw, client-frames, client-json, client-json-on-loop, client-frames-busy-polling, client-json-service, client-json-service-on-loop, client-json-service-loop-handler, client-json-service-busy-polling, client-json-service-no-deadline, grpc-unary, grpc-unary-no-coalescing (default: all). raw, client-frames, client-json-service(-on-loop, -loop-handler, -no-deadline) and the grpc ones also select the rows with 64 calls in flight; client-json-service also the server streams.", valueName: "a,b"))
    var typed: String?

    @Option(help: ArgumentHelp("Python with pyzmq for the peers section (default: .venv/bin/python of the repository).", valueName: "path"))
    var python: String?

    @Option(help: ArgumentHelp("The pyzmq peer script (default: Benchmarks/Peers/pyzmq_bench.py).", valueName: "path"))
    var peerScript: String?

    @Option(help: ArgumentHelp("The zmq tool for the cli section (default: .build/release/zmq of the repository).", valueName: "path"))
    var zmq: String?

    func validate() throws {
        if let repeatCount, repeatCount < 1 { throw ValidationError("--repeat must be at least 1") }
        _ = try sections()
        _ = try throughputTransports()
        _ = try throughputSizes()
        _ = try throughputReceivers()
        _ = try latencyClients()
        if let jsonPath {
            let folder = URL(fileURLWithPath: jsonPath).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--json \(jsonPath): the folder \(folder) does not exist")
            }
        }
    }

    func sections() throws -> [Section] {
        guard let only else { return Section.allCases }
        var chosen: Set<Section> = []
        for name in only.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let section = Section(rawValue: name) else {
                throw ValidationError("unknown section '\(name)' in --only; sections: \(Section.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen.insert(section)
        }
        guard !chosen.isEmpty else { throw ValidationError("--only names no section") }
        return Section.allCases.filter(chosen.contains)
    }

    func throughputTransports() throws -> [Transport] {
        try Self.choices(transports, option: "transports", noun: "transport")
    }

    func throughputReceivers() throws -> [ReceiverVariant] {
        try Self.choices(receivers, option: "receivers", noun: "receiver")
    }

    func latencyClients() throws -> [ClientVariant] {
        try Self.choices(clients, option: "clients", noun: "client")
    }

    func typedVariants() throws -> [TypedVariant] {
        try Self.choices(typed, option: "typed", noun: "typed variant")
    }

    /// The comma-separated names in `list` (all cases when it is nil), or an error naming the
    /// unknown one and the valid ones.
    static func choices<Choice: CaseIterable & RawRepresentable>(
        _ list: String?, option: String, noun: String
    ) throws -> [Choice] where Choice.RawValue == String {
        guard let list else { return Array(Choice.allCases) }
        return try list.split(separator: ",").map { name in
            guard let choice = Choice(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                let valid = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown \(noun) '\(name)' in --\(option); \(option): \(valid)")
            }
            return choice
        }
    }

    func throughputSizes() throws -> [Int] {
        guard let sizes else { return Throughput.sizes }
        return try sizes.split(separator: ",").map { text in
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), size > 0 else {
                throw ValidationError("--sizes wants positive byte counts, not '\(text)'")
            }
            return size
        }
    }
}

/// What the sections need to know of the command line.
struct Settings: Sendable {
    var quick: Bool
    var repeats: Int
    var sections: [Section]
    /// The throughput section's transports and message sizes.
    var transports: [Transport]
    var sizes: [Int]
    var receivers: [ReceiverVariant]
    /// The latency section's clients.
    var clients: [ClientVariant]
    /// The typed section's variants.
    var typedVariants: [TypedVariant]
    /// The repository's root (for git and the default python and script), if found.
    var repositoryRoot: String?
    /// The python to run the peers with: the one given, or the repository's .venv one if it exists.
    var python: String?
    var peerScript: String?
    /// The `zmq` tool the cli section runs: the one given, or the repository's release build if it exists.
    var zmqTool: String?

    init(_ options: Options) throws {
        quick = options.quick
        repeats = options.repeatCount ?? (options.quick ? 1 : 3)
        sections = try options.sections()
        transports = try options.throughputTransports()
        sizes = try options.throughputSizes()
        receivers = try options.throughputReceivers()
        clients = try options.latencyClients()
        typedVariants = try options.typedVariants()
        repositoryRoot = Settings.findRepositoryRoot()
        let roots = [repositoryRoot, FileManager.default.currentDirectoryPath].compactMap { $0 }
        python = options.python ?? roots.map { $0 + "/.venv/bin/python" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        peerScript = options.peerScript ?? roots.map { $0 + "/Benchmarks/Peers/pyzmq_bench.py" }.first { FileManager.default.fileExists(atPath: $0) }
        zmqTool = options.zmq ?? roots.map { $0 + "/.build/release/zmq" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `full` divided by 10 with --quick (at least 2: a rate needs a first and a last message).
    func count(_ full: Int) -> Int {
        max(2, quick ? full / 10 : full)
    }

    var latencyRounds: Int { quick ? 1_000 : 4_000 }
    var latencyWarmup: Int { 200 }
    var idleSeconds: Double { quick ? 1 : 5 }

    func runs(_ section: Section) -> Bool { sections.contains(section) }

    /// Whether the typed section measures server streams: when `--typed` selects
    /// `client-json-service` (as it does by default).
    var runsTypedStreams: Bool { typedVariants.contains(.service) }

    /// Whether the typed section measures `variant` with 64 calls in flight: when `--typed`
    /// selects its one-call counterpart.
    func runsTypedThroughput(_ variant: TypedThroughputVariant) -> Bool {
        let counterpart: TypedVariant = switch variant {
        case .raw: .raw
        case .clientFrames: .frames
        case .service: .service
        case .serviceFrames: .frames
        case .serviceOnLoop: .serviceOnLoop
        case .serviceLoopHandler, .serviceFramesLoopHandler: .serviceLoopHandler
        case .serviceNoDeadline: .serviceNoDeadline
        case .grpc: .grpc
        case .grpcNoCoalescing: .grpcNoCoalescing
        }
        return typedVariants.contains(counterpart)
    }

    /// The repository this binary was built from (…/Benchmarks/Sources/ZMQBench/Options.swift is
    /// four levels down), or the current directory when that holds the repository.
    private static func findRepositoryRoot() -> String? {
        let built = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        for candidate in [built, FileManager.default.currentDirectoryPath]
        where FileManager.default.fileExists(atPath: candidate + "/Benchmarks/Package.swift") {
            return candidate
        }
        return nil
    }
}
