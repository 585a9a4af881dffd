import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The language a program of the seed runs in.
enum Language: String, Sendable {
    case swift = "Swift"
    case python = "Python"
}

/// The seed's programs: each exists as a Swift example (`Examples/`) and as a Python 3 port
/// (`Tests/PythonPeers/`), with the same flags and output.
enum Program: Sendable {
    case echoServer, echoClient, publisher, subscriber, taskManager, taskWorker, pairBind, pairConnect

    /// The Swift example's executable.
    var swiftExecutable: String {
        switch self {
        case .echoServer: "EchoServer"
        case .echoClient: "EchoClient"
        case .publisher: "Publisher"
        case .subscriber: "Subscriber"
        case .taskManager: "TaskManager"
        case .taskWorker: "TaskWorker"
        case .pairBind: "PairBind"
        case .pairConnect: "PairConnect"
        }
    }

    /// The Python port's script in Tests/PythonPeers.
    var pythonScript: String {
        switch self {
        case .echoServer: "server.py"
        case .echoClient: "client.py"
        case .publisher: "pub.py"
        case .subscriber: "sub.py"
        case .taskManager: "manager.py"
        case .taskWorker: "worker_1.py"
        case .pairBind: "bind.py"
        case .pairConnect: "connect.py"
        }
    }
}

/// Which side runs in which language: the pairings every interoperability test runs over.
struct Pairing: Sendable, CustomStringConvertible {
    /// The side that binds (server, publisher, manager, PAIR binder).
    var binder: Language
    /// The side that connects (client, subscriber, workers, PAIR connecter).
    var connecter: Language

    var description: String { "\(binder.rawValue) binds, \(connecter.rawValue) connects" }

    /// Swift binds, Python connects; and the other way round.
    static let bothWays = [Pairing(binder: .swift, connecter: .python), Pairing(binder: .python, connecter: .swift)]
}

/// Starts the programs of one test and ends them all when it is over.
///
/// Use through ``withPeers(_:)``: every child started here gets SIGTERM (then SIGKILL) when the
/// body returns or throws, so no test leaves a process behind.
final class Peers: Sendable {
    private let children = Locked<[Child]>([])

    fileprivate init() {}

    /// Starts `program` in `language` with `arguments`.
    func start(_ program: Program, in language: Language, _ arguments: [String]) throws -> Child {
        switch language {
        case .swift: try swift(program.swiftExecutable, arguments)
        case .python: try python(program.pythonScript, arguments)
        }
    }

    /// Starts the Swift executable `name` built beside the test binary (an example or `zmq`).
    func swift(_ name: String, _ arguments: [String]) throws -> Child {
        try launch(name: name, executable: Locations.swiftExecutable(name).get(), arguments: arguments)
    }

    /// Starts the Swift executable `name` inside the network namespace `namespace`
    /// (`ip netns exec`, which execs the program, so signals reach it directly).
    func swift(_ name: String, inNetworkNamespace namespace: String, _ arguments: [String]) throws -> Child {
        guard let ip = NetworkNamespaces.ip else { throw HarnessError("iproute2's ip is not installed") }
        let executable = try Locations.swiftExecutable(name).get()
        return try launch(name: "\(name)@\(namespace)", executable: ip, arguments: ["netns", "exec", namespace, executable] + arguments)
    }

    /// Starts `/bin/sh -c script` with the Swift executable `name`'s path as `$0` and
    /// `arguments` as `$1`, `$2`, ...: for pipelines such as feeding a program's standard input.
    func shell(_ script: String, running name: String, _ arguments: [String]) throws -> Child {
        let executable = try Locations.swiftExecutable(name).get()
        return try launch(name: "sh (\(name))", executable: "/bin/sh", arguments: ["-c", script, executable] + arguments)
    }

    /// Starts `Tests/PythonPeers/<script>` with the `.venv` interpreter, unbuffered.
    func python(_ script: String, _ arguments: [String]) throws -> Child {
        let interpreter = try Locations.python.get()
        let path = Locations.pythonPeers.appendingPathComponent(script).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HarnessError("Python peer \(path) does not exist")
        }
        return try launch(name: script, executable: interpreter, arguments: ["-u", path] + arguments)
    }

    /// Starts `Tests/PythonPeers/<script>` with the `.venv` interpreter inside the network
    /// namespace `namespace`.
    func python(_ script: String, inNetworkNamespace namespace: String, _ arguments: [String]) throws -> Child {
        guard let ip = NetworkNamespaces.ip else { throw HarnessError("iproute2's ip is not installed") }
        let interpreter = try Locations.python.get()
        let path = Locations.pythonPeers.appendingPathComponent(script).path
        return try launch(
            name: "\(script)@\(namespace)", executable: ip,
            arguments: ["netns", "exec", namespace, interpreter, "-u", path] + arguments)
    }

    private func launch(name: String, executable: String, arguments: [String]) throws -> Child {
        let child = try Child(name: name, executable: executable, arguments: arguments)
        children.withLock { $0.append(child) }
        return child
    }

    /// Ends every child still running, all at once.
    fileprivate func stopAll() async {
        let running = children.withLock { $0 }
        await withTaskGroup(of: Void.self) { group in
            for child in running {
                group.addTask { await child.stop() }
            }
        }
    }

    /// The children whose stderr shows a ThreadSanitizer report (the examples and `zmq` are built
    /// with it under `swift test --sanitize=thread`), even those stopped with a signal.
    fileprivate func sanitizerReports() -> [Child] {
        children.withLock { $0 }.filter { child in
            child.standardError.contains { $0.contains("WARNING: ThreadSanitizer") }
        }
    }

    /// The transcripts of every child, for failure messages.
    func transcripts() -> String {
        children.withLock { $0 }.map { $0.transcript() }.joined(separator: "\n")
    }
}

/// Runs `body` with a fresh ``Peers`` and stops every child it started afterwards, also when
/// `body` throws. A thrown error gets the transcripts of all the children appended. A child that
/// reported a data race (ThreadSanitizer) fails the test too.
func withPeers<T>(_ body: (Peers) async throws -> T) async throws -> T {
    let peers = Peers()
    do {
        let result = try await body(peers)
        await peers.stopAll()
        let racy = peers.sanitizerReports()
        guard racy.isEmpty else {
            throw HarnessError(
                "ThreadSanitizer reported a data race in \(racy.map(\.name).joined(separator: ", "))\n"
                    + racy.map { $0.transcript(lastLines: 200) }.joined(separator: "\n"))
        }
        return result
    } catch let error as HarnessError {
        await peers.stopAll()
        throw HarnessError("\(error.description)\n\nAll programs of this test:\n\(peers.transcripts())")
    } catch let error as ConditionTimedOut {
        await peers.stopAll()
        throw HarnessError("\(error.description)\n\nAll programs of this test:\n\(peers.transcripts())")
    } catch {
        await peers.stopAll()
        throw error
    }
}

/// Where the programs are.
enum Locations {
    /// The repository root, from this file's path.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // InteropTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// Tests/PythonPeers.
    static let pythonPeers = repository.appendingPathComponent("Tests/PythonPeers")

    /// The directory of the running test binary (`.build/debug`, `.build-tsan/debug`, ...): the
    /// examples and `zmq` are built next to it.
    static let binaries: Result<URL, HarnessError> = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else {
            return .failure(HarnessError("cannot resolve /proc/self/exe to find the built examples"))
        }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .success(URL(fileURLWithPath: path).deletingLastPathComponent())
    }()

    /// The path of the Swift executable `name`, or why it cannot be used.
    static func swiftExecutable(_ name: String) -> Result<String, HarnessError> {
        binaries.flatMap { directory in
            let path = directory.appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                return .failure(HarnessError(
                    "the Swift executable \(name) is missing from \(directory.path); `swift test` builds it, or run `swift build`"))
            }
            return .success(path)
        }
    }

    /// The `.venv` interpreter once it is known to import zmq, or how to install it.
    static let python: Result<String, HarnessError> = {
        let interpreter = repository.appendingPathComponent(".venv/bin/python3").path
        let advice = "run Scripts/install-test-peers.sh (or `make test`, which runs it) to install the Python peers"
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            return .failure(HarnessError("\(interpreter) does not exist: \(advice)"))
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: interpreter)
        probe.arguments = ["-c", "import zmq"]
        probe.standardInput = FileHandle.nullDevice
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do {
            try probe.run()
            probe.waitUntilExit()
        } catch {
            return .failure(HarnessError("cannot run \(interpreter) (\(error)): \(advice)"))
        }
        guard probe.terminationStatus == 0 else {
            return .failure(HarnessError("\(interpreter) cannot import zmq (pyzmq): \(advice)"))
        }
        return .success(interpreter)
    }()
}
