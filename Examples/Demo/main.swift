// A tour of the seed tutorial's patterns in one process, over inproc://.
//
//   make demo        (or: swift run zeromq-demo)
//
// Each section mirrors one pair of the tutorial's Python programs: server.py/client.py (REQ/REP),
// pub.py/sub.py (PUB/SUB), manager.py/worker_1.py (PUSH/PULL), bind.py/connect.py (PAIR); the
// last runs one of its devices (Queue). Examples/ has each program on its own, over tcp.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The current time as Python's `time.ctime()` prints it, like the tutorial's programs.
func ctime() -> String {
    var now = time(nil)
    var buffer = [CChar](repeating: 0, count: 32)
    guard ctime_r(&now, &buffer) != nil else { return "?" }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self).trimmingSuffix()
}

extension String {
    func trimmingSuffix() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}

let context = try Context()
print("swift-zeromq demo — libzmq \(LibZMQ.version), capabilities: \(LibZMQ.capabilities.map(\.name).sorted().joined(separator: ", "))")

// MARK: Request/reply — server.py and client.py

print("\n== REQ/REP: an echo server ==")
let server = try RepSocket(context)
let echoEndpoint = try await server.bind("inproc://echo")
let serving = Task {
    try await server.serve { request in Message("Echo: " + (request.string ?? "")) }
}
let client = try ReqSocket(context)
try await client.connect(echoEndpoint)
for words in ["hello world", "how are you"] {
    // One round trip; after a timeout the socket would be ready for the next request at once.
    let reply = try await client.request(words, timeout: .seconds(5))
    print("Sent: \(words)  Received: \(reply.string ?? "")")
}

// MARK: Publish/subscribe — pub.py and sub.py

print("\n== PUB/SUB: the subscriber takes prefix \"1\" only ==")
let publisher = try PubSocket(context)
let feed = try await publisher.bind("inproc://updates")
let subscriber = try SubSocket(context)
try await subscriber.connect(feed)
let updates = try await subscriber.subscribe(to: "1")
// The "slow joiner": a subscription takes a moment to reach the publisher, which drops what
// nobody has subscribed to yet. Give it that moment, as the tutorial's subscriber does by
// starting first.
try await Task.sleep(for: .milliseconds(100))
for id in 1...3 {
    let now = ctime()
    try await publisher.send("1-Update! >> #\(id) >> \(now)")
    try await publisher.send("2-Update! >> #\(id) >> \(now)")
}
var received = 0
for try await update in updates {
    print("Received: \(update.string ?? "")")
    received += 1
    if received == 3 { break }
}

// MARK: Pipeline — manager.py and worker_1.py

print("\n== PUSH/PULL: a manager shares six tasks between two workers ==")
let manager = try PushSocket(context)
let tasks = try await manager.bind("inproc://tasks")
let workers = try (1...2).map { _ in try PullSocket(context) }
for worker in workers { try await worker.connect(tasks) }
for id in 1...6 {
    let task = "\(id) - \(ctime())"
    try await manager.send(task)
    print("Sent: \(task)")
}
for (number, worker) in workers.enumerated() {
    for _ in 1...3 {
        print("Worker \(number + 1) Received: \(try await worker.receive(timeout: .seconds(5)).string ?? "")")
    }
}

// MARK: Exclusive pair — bind.py and connect.py

print("\n== PAIR: one exclusive two-way channel ==")
let bound = try PairSocket(context)
let pairEndpoint = try await bound.bind("inproc://pair")
let connected = try PairSocket(context)
try await connected.connect(pairEndpoint)
try await connected.send("Hello from the connecting side")
print("Bound side received: \(try await bound.receive(timeout: .seconds(5)).string ?? "")")
try await bound.send("Hello back from the bound side")
print("Connecting side received: \(try await connected.receive(timeout: .seconds(5)).string ?? "")")

// MARK: Devices — a Queue between clients and servers that both connect

print("\n== Queue device: two clients, two servers, a ROUTER→DEALER proxy between ==")
let frontend = try RouterSocket(context)
let clientsEndpoint = try await frontend.bind("inproc://queue-clients")
let backend = try DealerSocket(context)
let serversEndpoint = try await backend.bind("inproc://queue-servers")
let queue = try Proxy.queue(frontend: frontend, backend: backend)
let queueRunning = Task { try await queue.run() }
for name in ["A", "B"] {
    let worker = try RepSocket(context)
    try await worker.connect(serversEndpoint)
    Task { try await worker.serve { Message("Server \(name): Echo: " + ($0.string ?? "")) } }
}
for name in ["one", "two"] {
    let queueClient = try ReqSocket(context)
    try await queueClient.connect(clientsEndpoint)
    for index in 1...2 {
        let reply = try await queueClient.request("client \(name) #\(index)", timeout: .seconds(5))
        print("Received: \(reply.string ?? "")")
    }
}
print("Queue statistics: \(try await queue.statistics())")
queueRunning.cancel()
try await queueRunning.value

serving.cancel()
await context.shutdown()
print("\nDone: every pattern ran over inproc; the context shut down cleanly.")
