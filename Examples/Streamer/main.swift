// Streamer: the seed's Streamer device, for pipelines. Tasks come in on a PULL socket
// and go out, shared among workers, on a PUSH socket.
//
// Both of its ports are bound, so that both sides connect and can come and go:
//
//   swift run Streamer                       # frontend tcp://127.0.0.1:5691, backend tcp://127.0.0.1:5692
//   swift run TaskWorker --endpoint tcp://127.0.0.1:5692
//   swift run TaskManager --connect --endpoint tcp://127.0.0.1:5691
//
// Runs until Ctrl-C (SIGINT) or SIGTERM, or until --count messages have passed from the
// frontend to the backend; then prints libzmq's counters to standard error, e.g.
// `statistics: frontend in 3 (84 B) out 0 (0 B); backend in 0 (0 B) out 3 (84 B)`.
// `--capture tcp://127.0.0.1:5699` also binds a PUB socket that gets a copy of every message.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct Streamer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Streamer device: a PULL frontend for managers, a PUSH backend for workers.",
        discussion: """
            Binds --frontend and --backend and prints `frontend listening on <endpoint>` and \
            `backend listening on <endpoint>` to standard error. Stops on SIGINT or SIGTERM, or once \
            --count messages have passed from frontend to backend, and prints a statistics line to \
            standard error.
            """
    )

    @Option(help: "The endpoint managers connect to.")
    var frontend = "tcp://127.0.0.1:5691"

    @Option(help: "The endpoint workers connect to.")
    var backend = "tcp://127.0.0.1:5692"

    @Option(help: "An endpoint for a PUB socket that gets a copy of every message.")
    var capture: String?

    @Option(help: "Stop after this many messages have passed from frontend to backend (0: never).")
    var count = 0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await relay(in: context) }
    }

    private func relay(in context: Context) async throws {
        let frontendSocket = try PullSocket(context)
        announceListening(on: try await frontendSocket.bind(frontend), role: "frontend")
        let backendSocket = try PushSocket(context)
        announceListening(on: try await backendSocket.bind(backend), role: "backend")
        let tap = try await bindCapture(capture, in: context)
        let proxy = try Proxy.streamer(frontend: frontendSocket, backend: backendSocket, capture: tap)
        // Stop at Ctrl-C or SIGTERM; with --count, also once enough messages have passed.
        try await runUntilSignal(proxy, stopAfter: count) { $0.backend.messagesSent }
    }
}
