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
struct Forwarder: DeviceCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Forwarder device: an XSUB frontend for publishers, an XPUB backend for subscribers.",
        discussion: DeviceDefaults.discussion(
            countReachedWhen: "--count messages have passed from frontend to backend")
    )

    static let defaults = DeviceDefaults(
        frontend: "tcp://127.0.0.1:5681", frontendHelp: "The endpoint publishers connect to.",
        backend: "tcp://127.0.0.1:5682", backendHelp: "The endpoint subscribers connect to."
    )

    @OptionGroup var options: DeviceOptions<Forwarder>

    static func proxy(frontend: XSubSocket, backend: XPubSocket, capture: ProxyCapture?) throws -> Proxy {
        try .forwarder(frontend: frontend, backend: backend, capture: capture)
    }

    /// --count watches the messages sent out of the backend (subscriptions go the other way).
    static func passed(_ statistics: ProxyStatistics) -> UInt64 { statistics.backend.messagesSent }
}
