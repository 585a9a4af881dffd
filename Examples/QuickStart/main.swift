// The README's quick start, as a program that ends: the README shows this file's code, and the
// tests run it and check that the two stay the same (Tests/InteropTests/QuickStartTests.swift).
import ZeroMQ

let context = try Context()
let pull = try PullSocket(context)                        // an actor pinned to one of the context's loops
let endpoint = try await pull.bind("tcp://127.0.0.1:*")   // the real endpoint comes back
let push = try PushSocket(context)
try await push.connect(endpoint)

for word in ["hello", "from", "ZeroMQ"] {
    try await push.send(word)                             // suspends only at the high-water mark
}
let first = try await pull.receive(timeout: .seconds(1))  // throws `timedOut`, loses nothing
print(first.string ?? "<\(first.byteCount) bytes>")

for try await message in pull.messages.prefix(2) {        // batched, backpressured; leaving early loses nothing
    print(message.string ?? "<\(message.byteCount) bytes>")
}
await context.shutdown()
