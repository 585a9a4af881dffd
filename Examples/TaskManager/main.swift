// TaskManager: the seed's manager.py. A PUSH socket hands out one task a second; connected
// workers take turns receiving them.
//
//   swift run TaskManager                     # binds tcp://127.0.0.1:5690
//   swift run TaskWorker                      # another terminal (or several); prints "Received: ..."
//
// Through the Streamer device, connect instead of binding:
//
//   swift run Streamer
//   swift run TaskManager --connect --endpoint tcp://127.0.0.1:5691
//   swift run TaskWorker --endpoint tcp://127.0.0.1:5692
//
// A PUSH socket with no worker connected waits: the first task goes out when a worker arrives.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct TaskManager: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A PUSH socket handing out `<id> - <time>` tasks (manager.py).",
        discussion: """
            Every --interval seconds sends the next task and prints `Sent: <task>`. Binds --endpoint \
            and prints `listening on <endpoint>` to standard error, or connects with --connect.
            """
    )

    @Option(help: "The endpoint to bind, or to connect to with --connect.")
    var endpoint = "tcp://127.0.0.1:5690"

    @Flag(help: "Connect to --endpoint instead of binding it (to the Streamer's frontend).")
    var connect = false

    @Option(help: "Stop after sending this many tasks (0: never).")
    var count = 0

    @Option(help: "Seconds to wait before each task.")
    var interval = 1.0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        guard interval >= 0 else { throw ValidationError("--interval must be 0 or more seconds.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context shuts down when the closure ends, which gives the last tasks the socket's linger to leave.
        try await Context.withContext { context in try await distribute(in: context) }
    }

    private func distribute(in context: Context) async throws {
        let manager = try PushSocket(context)
        if connect {
            try await manager.connect(endpoint)
        } else {
            announceListening(on: try await manager.bind(endpoint))
        }

        var id = 0
        while count == 0 || id < count {
            try await Task.sleep(for: .seconds(interval))
            id += 1
            let task = "\(id) - \(ctime())"
            try await manager.send(task)
            print("Sent: \(task)")
        }
    }
}
