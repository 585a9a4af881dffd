import ZeroMQ

/// Uses a PAIR socket both ways at once, as PairBind and PairConnect do: one task sends
/// `<side> #<id> >> <time>` every `interval` seconds, another prints `Received: <message>` for
/// each message from the other end. With `count` above 0 it returns once it has sent `count`
/// messages and received `count`; with 0 it runs until interrupted.
///
/// - Parameters:
///   - pair: the socket, bound or connected.
///   - side: the name in each message sent (`bind` or `connect`).
///   - count: how many messages to send and to receive; 0 for no end.
///   - interval: seconds to wait before each message sent.
public func talk(over pair: PairSocket, as side: String, count: Int, interval: Double) async throws {
    // One task sends while another receives: a socket serves both at the same time.
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var id = 0
            while count == 0 || id < count {
                try await Task.sleep(for: .seconds(interval))
                id += 1
                try await pair.send("\(side) #\(id) >> \(ctime())")
            }
        }
        group.addTask {
            var received = 0
            for try await message in pair.messages {
                print("Received: " + String(decoding: message.bytes, as: UTF8.self))
                received += 1
                if received == count { break }
            }
        }
        try await group.waitForAll()
    }
}
