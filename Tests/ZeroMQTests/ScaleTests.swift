import Testing
@testable import ZeroMQ

@Suite("Many sockets on one loop", .timeLimit(.minutes(5)))
struct ScaleTests {
    @Test("1 000 sockets on one loop, 500 receives pending at once, all served")
    func thousandSockets() async throws {
        try await withDeadline(120) {
            let context = try makeContext { $0.maximumSockets = 2_048 }
            #expect(context.loops.count == 1)
            var pairs: [(PushSocket, PullSocket)] = []
            for index in 0..<500 {
                let pull = try PullSocket(context), push = try PushSocket(context)
                try await push.connect(try await pull.bind("inproc://scale-\(index)"))
                pairs.append((push, pull))
            }
            try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
                for (index, pair) in pairs.enumerated() {
                    group.addTask { (index, number(try await pair.1.receive(timeout: .seconds(30)).first)) }
                }
                for (_, pull) in pairs { try await pull.receivesWaiting(1) }
                for (index, pair) in pairs.enumerated() { try await pair.0.send(Message(frame(index))) }
                var served = 0
                for try await (index, value) in group {
                    #expect(value == index)
                    served += 1
                }
                #expect(served == 500)
            }
            await context.shutdown()
        }
    }
}
