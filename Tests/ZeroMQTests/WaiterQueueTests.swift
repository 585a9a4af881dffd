import Testing
import ZeroMQTestSupport

@testable import ZeroMQ

/// The waiter queue without sockets, loops or continuations: waiters are strings, timers numbers.
@Suite("Waiter queue", .timeLimit(.minutes(1)))
struct WaiterQueueTests {
    typealias Queue = WaiterQueue<String, Int>

    @Test("first come, first served; each removal hands back the waiter's timer")
    func fifo() {
        var queue = Queue()
        #expect(queue.isEmpty && queue.count == 0 && queue.first == nil)
        queue.append("a", id: 1, timer: 10)
        queue.append("b", id: 2, timer: nil)
        queue.append("c", id: 3, timer: 30)
        #expect(queue.count == 3 && queue.first == "a" && !queue.isEmpty)

        let first = queue.removeFirst()
        #expect(first?.waiter == "a" && first?.timer == 10)
        let second = queue.removeFirst()
        #expect(second?.waiter == "b" && second?.timer == nil)
        #expect(queue.first == "c" && queue.count == 1)
        #expect(queue.removeFirst()?.timer == 30)
        #expect(queue.removeFirst() == nil && queue.isEmpty)
    }

    @Test("a waiter removed by id leaves once: a timer firing after a cancel finds nothing")
    func removeByID() {
        var queue = Queue()
        queue.append("a", id: 1, timer: 10)
        queue.append("b", id: 2, timer: 20)
        queue.append("c", id: 3, timer: 30)

        // Cancelled from the middle: the others keep their order.
        let cancelled = queue.remove(id: 2)
        #expect(cancelled?.waiter == "b" && cancelled?.timer == 20)
        #expect(!queue.contains(id: 2) && queue.contains(id: 1) && queue.contains(id: 3))
        // Its timer fires later (or the cancel comes twice): nothing to resume.
        #expect(queue.remove(id: 2) == nil)
        // Served, then its cancel arrives: nothing either.
        #expect(queue.removeFirst()?.waiter == "a")
        #expect(queue.remove(id: 1) == nil)
        #expect(queue.remove(id: 99) == nil)
        #expect(queue.first == "c" && queue.count == 1)
    }

    @Test("closing takes every waiter out, in order, with its timer")
    func removeAll() {
        var queue = Queue()
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            queue.append(name, id: UInt64(index), timer: index.isMultiple(of: 2) ? index : nil)
        }
        let all = queue.removeAll()
        #expect(all.map(\.waiter) == ["a", "b", "c", "d"])
        #expect(all.map(\.timer) == [0, nil, 2, nil])
        #expect(queue.isEmpty && queue.removeAll().isEmpty && queue.remove(id: 0) == nil)
        // The queue is usable again (a socket is closed once, but the structure does not care).
        queue.append("e", id: 7, timer: nil)
        #expect(queue.removeFirst()?.waiter == "e")
    }

    @Test("random appends, serves, cancels, timeouts and closes: every waiter leaves exactly once, in order", arguments: [UInt64(1), 2, 3, 4])
    func randomSchedules(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var queue = WaiterQueue<UInt64, UInt64>()
        var model: [UInt64] = []  // ids waiting, first come first
        var left: [UInt64: Int] = [:]  // how many times each id came out
        var nextID: UInt64 = 0
        for _ in 0..<20_000 {
            switch random.next() % 100 {
            case 0..<45:
                nextID += 1
                // A timer for every other waiter; its number tells whose it is.
                let timer = nextID.isMultiple(of: 2) ? nextID * 1000 : nil
                queue.append(nextID, id: nextID, timer: timer)
                model.append(nextID)
            case 45..<70:
                let removed = queue.removeFirst()
                #expect(removed?.waiter == model.first, "seed \(seed)")
                if let removed {
                    #expect(removed.timer == (removed.waiter.isMultiple(of: 2) ? removed.waiter * 1000 : nil))
                    left[removed.waiter, default: 0] += 1
                    model.removeFirst()
                }
            case 70..<99:
                // Cancel or time out any id ever given, waiting or not.
                guard nextID > 0 else { continue }
                let id = random.next() % nextID + 1
                let removed = queue.remove(id: id)
                #expect((removed != nil) == model.contains(id), "seed \(seed), id \(id)")
                if let removed {
                    #expect(removed.waiter == id)
                    left[id, default: 0] += 1
                    model.removeAll { $0 == id }
                }
            default:
                let all = queue.removeAll()
                #expect(all.map(\.waiter) == model, "seed \(seed)")
                for removed in all { left[removed.waiter, default: 0] += 1 }
                model.removeAll()
            }
            #expect(queue.count == model.count && queue.first == model.first)
        }
        for removed in queue.removeAll() { left[removed.waiter, default: 0] += 1 }
        #expect(left.count == Int(nextID), "every waiter came out")
        #expect(left.values.allSatisfy { $0 == 1 }, "no waiter came out twice")
        #expect(nextID > 5_000)
    }
}
