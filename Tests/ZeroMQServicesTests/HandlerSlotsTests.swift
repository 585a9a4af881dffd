import Testing
@testable import ZeroMQServices

/// The service's handler slots and its table of running requests, driven by hand with plain
/// values: no sockets, no tasks.
@Suite("Service handlers: slots and table", .timeLimit(.minutes(1)))
struct HandlerSlotsTests {
    @Test("slots are taken until none is free; then waiters queue and get slots given back in order")
    func slotsInOrder() {
        var slots = HandlerSlots<String>(count: 2)
        let first = slots.tryAcquire(), second = slots.acquire("b")
        #expect(first && second && slots.available == 0)
        let third = slots.tryAcquire()
        #expect(!third)
        let queuedC = slots.acquire("c"), queuedD = slots.acquire("d")
        #expect(!queuedC && !queuedD && slots.waiterCount == 2)
        // A slot given back goes to the oldest waiter, not to the free count.
        let toC = slots.release(), toD = slots.release()
        #expect(toC == "c" && toD == "d")
        #expect(slots.available == 0 && slots.waiterCount == 0)
        let freed1 = slots.release(), freed2 = slots.release()
        #expect(freed1 == nil && freed2 == nil && slots.available == 2)
        // After the queue emptied, it works again from the start.
        let tookX = slots.acquire("x"), tookY = slots.acquire("y")
        #expect(tookX && tookY)
        let queuedZ = slots.acquire("z")
        #expect(!queuedZ)
        let toZ = slots.release()
        #expect(toZ == "z")
    }

    @Test("a limit below one still gives one slot")
    func atLeastOne() {
        var slots = HandlerSlots<String>(count: 0)
        let one = slots.tryAcquire(), two = slots.tryAcquire()
        #expect(one && !two)
    }

    @Test("the table: ids in order, a handle while its task runs, the waiter resumed by the last to finish")
    func table() {
        var table = HandlerTable<String, String>()
        let a = table.add { "task \($0)" }, b = table.add { "task \($0)" }
        #expect(a.handle == "task 0" && b.handle == "task 1" && !a.cancelAtOnce && !b.cancelAtOnce)
        #expect(table.runningCount == 2 && table.handle(1) == "task 1")
        let waitsNow = table.waitUntilAllFinished("run")
        #expect(!waitsNow && table.hasWaiter)
        let afterFirst = table.finish(0)
        #expect(afterFirst == nil && table.handle(0) == nil)
        let afterLast = table.finish(1)
        #expect(afterLast == "run" && !table.hasWaiter && table.runningCount == 0)
        // With none running, waiting ends at once and keeps no waiter.
        let emptyNow = table.waitUntilAllFinished("again")
        #expect(emptyNow && !table.hasWaiter)
    }

    @Test("cancelling all returns the running tasks, and marks every later one to cancel at once")
    func cancelAll() {
        var table = HandlerTable<String, String>()
        _ = table.add { "task \($0)" }
        _ = table.add { "task \($0)" }
        let cancelled = table.cancelAll()
        #expect(cancelled.sorted() == ["task 0", "task 1"] && table.isCancelled)
        let late = table.add { "task \($0)" }
        #expect(late.cancelAtOnce && table.runningCount == 3)
        // A task that finishes twice (never, but harmless) or unknown ids change nothing.
        let unknown = table.finish(99)
        #expect(unknown == nil && table.runningCount == 3)
    }
}
