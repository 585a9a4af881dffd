// Forwarder: the seed's Forwarder device, for publish/subscribe. Updates come in on an
// XSUB socket and go out on an XPUB socket; subscriptions travel the other way, to the publishers.
//
// Both of its ports are bound, so that both sides connect and can come and go:
//
//   swift run Forwarder                      # frontend tcp://127.0.0.1:5681, backend tcp://127.0.0.1:5682
//   swift run Subscriber --endpoint tcp://127.0.0.1:5682
//   swift run Publisher --connect --endpoint tcp://127.0.0.1:5681
//
// Runs until Ctrl-C (SIGINT) or SIGTERM, or until --count messages have passed from the
// frontend to the backend; then prints libzmq's counters to standard error, e.g.
// `statistics: frontend in 2 (86 B) out 2 (4 B); backend in 2 (4 B) out 2 (86 B)` (subscriptions
// travel backend to frontend).
// `--capture tcp://127.0.0.1:5699` also binds a PUB socket that gets a copy of every message.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct Forwarder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Forwarder device: an XSUB frontend for publishers, an XPUB backend for subscribers.",
        discussion: """
            Binds --frontend and --backend and prints `frontend listening on <endpoint>` and \
            `backend listening on <endpoint>` to standard error. Stops on SIGINT or SIGTERM, or once \
            --count messages have passed from frontend to backend, and prints a statistics line to \
            standard error.
            """
    )

    @Option(help: "The endpoint publishers connect to.")
    var frontend = "tcp://127.0.0.1:5681"

    @Option(help: "The endpoint subscribers connect to.")
    var backend = "tcp://127.0.0.1:5682"

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
        let frontendSocket = try XSubSocket(context)
        announceListening(on: try await frontendSocket.bind(frontend), role: "frontend")
        let backendSocket = try XPubSocket(context)
        announceListening(on: try await backendSocket.bind(backend), role: "backend")
        let tap = try await bindCapture(capture, in: context)
        let proxy = try Proxy.forwarder(frontend: frontendSocket, backend: backendSocket, capture: tap)
        // Stop at Ctrl-C or SIGTERM; with --count, also once enough messages have passed.
        try await runUntilSignal(proxy, stopAfter: count) { $0.backend.messagesSent }
    }
}
