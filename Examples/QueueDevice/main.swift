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
struct QueueDevice: DeviceCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Queue device: a ROUTER frontend for clients, a DEALER backend for servers.",
        discussion: DeviceDefaults.discussion(
            countReachedWhen: "--count requests have passed from frontend to backend and their replies have come back")
    )

    static let defaults = DeviceDefaults(
        frontend: "tcp://127.0.0.1:5679", frontendHelp: "The endpoint clients connect to.",
        backend: "tcp://127.0.0.1:5677", backendHelp: "The endpoint servers connect to.",
        countHelp: "Stop after this many requests have passed to the backend and been answered (0: never)."
    )

    @OptionGroup var options: DeviceOptions<QueueDevice>

    static func proxy(frontend: RouterSocket, backend: DealerSocket, capture: ProxyCapture?) throws -> Proxy {
        try .queue(frontend: frontend, backend: backend, capture: capture)
    }

    /// --count watches requests sent out of the backend whose replies have also left the frontend.
    static func passed(_ statistics: ProxyStatistics) -> UInt64 {
        min(statistics.backend.messagesSent, statistics.frontend.messagesSent)
    }
}
