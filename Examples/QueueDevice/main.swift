// QueueDevice: the seed's Queue device, for request/reply. Requests come in on a ROUTER
// socket and are shared among servers through a DEALER socket; replies find their way back.
//
// Both of its ports are bound, so that both sides connect and can come and go:
//
//   swift run QueueDevice                    # frontend tcp://127.0.0.1:5679, backend tcp://127.0.0.1:5677
//   swift run EchoServer --connect --endpoint tcp://127.0.0.1:5677
//   swift run EchoClient --endpoint tcp://127.0.0.1:5679 hello
//
// Runs until Ctrl-C (SIGINT) or SIGTERM, or until --count requests have passed from the
// frontend to the backend and their replies have come back; then prints libzmq's counters to
// standard error, e.g.
// `statistics: frontend in 4 (68 B) out 4 (92 B); backend in 4 (92 B) out 4 (68 B)`.
// `--capture tcp://127.0.0.1:5699` also binds a PUB socket that gets a copy of every message.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct QueueDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Queue device: a ROUTER frontend for clients, a DEALER backend for servers.",
        discussion: """
            Binds --frontend and --backend and prints `frontend listening on <endpoint>` and \
            `backend listening on <endpoint>` to standard error. Stops on SIGINT or SIGTERM, or once \
            --count requests have passed from frontend to backend and their replies have come \
            back, and prints a statistics line to standard error.
            """
    )

    @Option(help: "The endpoint clients connect to.")
    var frontend = "tcp://127.0.0.1:5679"

    @Option(help: "The endpoint servers connect to.")
    var backend = "tcp://127.0.0.1:5677"

    @Option(help: "An endpoint for a PUB socket that gets a copy of every message.")
    var capture: String?

    @Option(help: "Stop after this many requests have passed to the backend and been answered (0: never).")
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
        let frontendSocket = try RouterSocket(context)
        announceListening(on: try await frontendSocket.bind(frontend), role: "frontend")
        let backendSocket = try DealerSocket(context)
        announceListening(on: try await backendSocket.bind(backend), role: "backend")
        let tap = try await bindCapture(capture, in: context)
        let proxy = try Proxy.queue(frontend: frontendSocket, backend: backendSocket, capture: tap)
        // Stop at Ctrl-C or SIGTERM; with --count, also once enough requests have passed and
        // their replies have come back.
        try await runUntilSignal(proxy, stopAfter: count) { min($0.backend.messagesSent, $0.frontend.messagesSent) }
    }
}
