import Foundation
import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The loop's wake-up descriptor, both kinds: an eventfd (Linux) and a pipe (the portable one,
/// which `ZMQ_SWIFT_WAKEUP=pipe` makes the whole process use).
@Suite("Wake-ups: eventfd and pipe", .timeLimit(.minutes(1)))
struct WakeupTests {
    /// Whether `descriptor` is readable now (`poll` with no wait).
    private static func isReadable(_ descriptor: Int32) -> Bool {
        var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&item, 1, 0) == 1 && item.revents & Int16(POLLIN) != 0
    }

    @Test("a signal makes it readable, a drain unreadable, however many signals came", arguments: [Wakeup.Kind.eventfd, .pipe])
    func signalAndDrain(kind: Wakeup.Kind) throws {
        let wakeup = try Wakeup(kind: kind)
        #expect(wakeup.kind == kind)
        #expect(!Self.isReadable(wakeup.descriptor), "new: not readable")
        wakeup.signal()
        #expect(Self.isReadable(wakeup.descriptor))
        wakeup.drain()
        #expect(!Self.isReadable(wakeup.descriptor))
        // More signals than a pipe holds (64 KiB on Linux): none blocks or fails, one drain empties it.
        for _ in 0..<100_000 { wakeup.signal() }
        #expect(Self.isReadable(wakeup.descriptor))
        wakeup.drain()
        #expect(!Self.isReadable(wakeup.descriptor))
    }

    @Test("the process uses the kind ZMQ_SWIFT_WAKEUP asks for, and its loops use it")
    func environmentChoosesTheKind() async throws {
        let asked = ProcessInfo.processInfo.environment["ZMQ_SWIFT_WAKEUP"]
        let expected: Wakeup.Kind = asked == "pipe" ? .pipe : .eventfd
        #expect(Wakeup.preferred == expected)
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            #expect(pull.core.loop.queue.wakeup.kind == expected)
            print("wake-up: \(pull.core.loop.queue.wakeup.kind.rawValue)")
            // A receive waiting on the sleeping loop is woken by a send from this task.
            try await push.connect(try await pull.bind(Transport.inproc.endpoint()))
            try await push.send("wake")
            #expect(try await pull.receive(timeout: .seconds(5)).string == "wake")
            await context.shutdown()
        }
    }
}
