// TaskWorker: the seed's worker_1.py. A PULL socket takes tasks from the manager and prints
// them; run several to share the work.
//
//   swift run TaskManager                     # binds tcp://127.0.0.1:5690
//   swift run TaskWorker                      # another terminal (or several); prints "Received: ..."
//
// Behind the Streamer device: `swift run TaskWorker --endpoint tcp://127.0.0.1:5692`.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct TaskWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A PULL socket printing `Received: <task>` for each task (worker_1.py).",
        discussion: "Connects to --endpoint; several workers share the tasks in turn."
    )

    @Option(help: "The endpoint to connect to.")
    var endpoint = "tcp://127.0.0.1:5690"

    @Option(help: "Stop after this many tasks (0: never).")
    var count = 0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await work(in: context) }
    }

    private func work(in context: Context) async throws {
        let worker = try PullSocket(context)
        try await worker.connect(endpoint)

        var received = 0
        for try await task in worker.messages {
            print("Received: " + String(decoding: task.bytes, as: UTF8.self))
            received += 1
            if received == count { break }
        }
    }
}
