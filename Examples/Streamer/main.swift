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
struct Streamer: DeviceCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Streamer device: a PULL frontend for managers, a PUSH backend for workers.",
        discussion: DeviceDefaults.discussion(
            countReachedWhen: "--count messages have passed from frontend to backend")
    )

    static let defaults = DeviceDefaults(
        frontend: "tcp://127.0.0.1:5691", frontendHelp: "The endpoint managers connect to.",
        backend: "tcp://127.0.0.1:5692", backendHelp: "The endpoint workers connect to."
    )

    @OptionGroup var options: DeviceOptions<Streamer>

    static func proxy(frontend: PullSocket, backend: PushSocket, capture: ProxyCapture?) throws -> Proxy {
        try .streamer(frontend: frontend, backend: backend, capture: capture)
    }

    /// --count watches the messages sent out of the backend.
    static func passed(_ statistics: ProxyStatistics) -> UInt64 { statistics.backend.messagesSent }
}
