import Foundation
import Synchronization
import Testing
@testable import ZeroMQ

/// The soak: contexts and sockets opened and closed, millions of messages of mixed sizes
/// (inline, copied, read in place, multipart, and zero-copy frames whose buffers the test owns),
/// over inproc, ipc and tcp at once. Threads, descriptors and RSS must be flat after a warm-up,
/// every message must arrive once and in order, and every zero-copy buffer must be freed (which
/// happens only when libzmq has called the frame's free function).
///
/// Duration: `ZMQ_SOAK_SECONDS` (seconds, any length); otherwise 60 s when `CI=true`, 10 s
/// elsewhere. `ZMQ_SOAK_TRACE=1` prints the figures after every cycle. The measurement runs in a
/// child process, where no other test's threads or memory count, at a low priority
/// (`nice -n 10`), so that it does not starve the tests running alongside.
@Suite("Soak: contexts, sockets and millions of messages; threads, fds and RSS stay flat", .timeLimit(.minutes(180)))
struct SoakTests {
    /// glibc's `malloc_trim`: returns free heap pages to the system, so RSS shows live memory.
    @_silgen_name("malloc_trim") static func mallocTrim(_ pad: Int) -> Int32

    static var seconds: Double {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["ZMQ_SOAK_SECONDS"], let seconds = Double(text), seconds > 0 { return seconds }
        return environment["CI"] == "true" ? 60 : 10
    }

    @Test(
        "soak: threads, descriptors and RSS flat, every message delivered, every zero-copy frame freed",
        // The soak measures leaks and flatness, which the debug and release runs do; under
        // ThreadSanitizer one cycle took over 300 s and RSS means nothing.
        .disabled(if: ProcessFigures.isUnderThreadSanitizer, "not under ThreadSanitizer: the debug and release runs soak")
    )
    func soak() async throws {
        let seconds = Self.seconds
        let outcome = try await ChildTestProcess.run(
            "soakChild", environment: ["ZMQ_SOAK_SECONDS": "\(seconds)"], niceness: 10, timeout: .seconds(seconds * 3 + 400)
        )
        for line in outcome.lines(startingWith: "soak:") { print(line) }
        #expect(outcome.succeeded, "the soak's child failed (exit \(outcome.status), exited \(outcome.exited), timed out \(outcome.timedOut)):\n\(outcome.output.suffix(4_000))")
        #expect(outcome.lines(startingWith: "soak: end").count == 1)
    }

    @Test("child: the soak itself", .enabled(if: ChildTestProcess.isChild("soakChild")))
    func soakChild() async throws {
        let seconds = Self.seconds
        let ledger = ZeroCopyLedger()
        var totals = SoakTotals()
        let started = ContinuousClock.now
        let warmUpEnds = started + .seconds(max(3, seconds / 4))
        let ends = started + .seconds(seconds)

        // Warm-up: the cooperative pool, malloc's arenas and libzmq's caches reach their size.
        repeat {
            totals.add(try await withDeadline(300) { try await Self.cycle(ledger: ledger) })
        } while ContinuousClock.now < warmUpEnds
        let start = try await Self.settled()
        let warmUp = totals
        print("soak: start (after \(warmUp.cycles) warm-up cycles, \(warmUp.messages) messages): \(start)")

        repeat {
            totals.add(try await withDeadline(300) { try await Self.cycle(ledger: ledger) })
            if ProcessInfo.processInfo.environment["ZMQ_SOAK_TRACE"] != nil {
                let untrimmed = ProcessFigures.current().residentBytes
                _ = Self.mallocTrim(0)
                print("soak: trace cycle \(totals.cycles): RSS \(ProcessFigures.mebibytes(untrimmed)), after malloc_trim \(ProcessFigures.current())")
            }
        } while ContinuousClock.now < ends

        // Every zero-copy buffer is freed once libzmq is done with it and the receiver dropped it.
        let freeDeadline = ContinuousClock.now + .seconds(10)
        while ledger.freed.load(ordering: .acquiring) < ledger.created.load(ordering: .acquiring), ContinuousClock.now < freeDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let end = try await Self.settled()
        let elapsed = ContinuousClock.now - started
        let created = ledger.created.load(ordering: .acquiring), freed = ledger.freed.load(ordering: .acquiring)
        print("soak: end (\(totals.cycles) cycles in \(elapsed)): \(end)")
        print(
            "soak: \(totals.messages) messages (\(totals.frames) frames, \(ProcessFigures.mebibytes(totals.bytes))) delivered of \(totals.sent) sent; "
                + "\(totals.contexts) contexts, \(totals.sockets) sockets opened and closed; "
                + "zero-copy frames \(created) made, \(freed) freed"
        )
        print(
            "soak: after the warm-up: threads \(start.threads) → \(end.threads), fds \(start.fileDescriptors) → \(end.fileDescriptors), "
                + "RSS \(ProcessFigures.mebibytes(start.residentBytes)) → \(ProcessFigures.mebibytes(end.residentBytes))"
        )

        #expect(totals.messages == totals.sent)
        #expect(totals.misdelivered == 0)
        #expect(created > 0)
        #expect(freed == created, "zero-copy frames whose free function never ran: \(created - freed)")
        #expect(ProcessFigures.contextThreads().isEmpty, "threads of shut-down contexts remain: \(ProcessFigures.contextThreads())")
        // The library's threads are named and all gone (above). What else may differ is the
        // runtime's: the cooperative pool (one thread per core) and Dispatch's workers start
        // threads lazily and keep them a while: CI once saw 5 → 7 in a whole run. A thread
        // kept per cycle, context or socket would add dozens in such a run.
        #expect(end.threads <= start.threads + 2, "threads grew: \(ProcessFigures.threadNames())")
        #expect(totals.cycles - warmUp.cycles >= 3, "too few cycles after the warm-up for a leak per cycle to show")
        // One descriptor more was seen once in a 10 s run on a loaded machine (13 cycles, each
        // opening and closing dozens): the runtime opening one lazily, not a leak. A leak per
        // cycle, socket or connection would pass 2 at once.
        #expect(end.fileDescriptors <= start.fileDescriptors + 2, "file descriptors grew")
        // RSS after malloc_trim wanders by about ±8 MiB from cycle to cycle (ZMQ_SOAK_TRACE=1
        // prints it); a leak of a few bytes per message would pass 32 MiB within a minute.
        #expect(end.residentBytes <= start.residentBytes + 32 * 1_048_576, "RSS grew")
    }

    /// The figures once every context is gone: the library's loop threads and libzmq's threads
    /// end (and close their descriptors) just after `shutdown()` returns, so wait for that
    /// (at most 10 s), then return free heap pages to the system and measure.
    private static func settled() async throws -> ProcessFigures {
        let deadline = ContinuousClock.now + .seconds(10)
        while !ProcessFigures.contextThreads().isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = mallocTrim(0)
        return ProcessFigures.current()
    }

    // MARK: One cycle

    /// Messages per transport and cycle.
    static let messagesPerTransport = 20_000

    /// A context with two loops; over each transport a PUSH/PULL pair moving
    /// ``messagesPerTransport`` messages of mixed shapes in batches, all three transports at
    /// once; a burst of sockets of every kind opened and closed (some only dropped); shutdown.
    private static func cycle(ledger: ZeroCopyLedger) async throws -> SoakTotals {
        var totals = SoakTotals()
        let context = try makeContext { $0.pollLoops = 2 }
        totals.contexts = 1
        try await withThrowingTaskGroup(of: SoakTotals.self) { group in
            for transport in Transport.allCases {
                let pull = try PullSocket(context), push = try PushSocket(context)
                try await push.connect(try await pull.bind(transport.endpoint()))
                totals.sockets += 2
                group.addTask {
                    var sent = 0
                    var batch: [Message] = []
                    batch.reserveCapacity(256)
                    for index in 0..<messagesPerTransport {
                        batch.append(message(index, ledger: ledger))
                        if batch.count == 256 || index == messagesPerTransport - 1 {
                            try await push.send(contentsOf: batch)
                            sent += batch.count
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                    var result = SoakTotals()
                    result.sent = sent
                    return result
                }
                group.addTask {
                    var result = SoakTotals()
                    var expected = 0
                    for try await message in pull.messages {
                        let shape = Shape(expected)
                        if numberOfFrame(message.first) == expected, message.frameCount == shape.sizes.count,
                            message.byteCount == shape.sizes.reduce(0, +)
                        {
                            result.messages += 1
                        } else {
                            result.misdelivered += 1
                        }
                        result.frames += message.frameCount
                        result.bytes += message.byteCount
                        expected += 1
                        if expected == messagesPerTransport { break }
                    }
                    return result
                }
            }
            for try await partial in group { totals.add(partial) }
        }
        // Sockets of every kind opened, used a little and closed, or just dropped.
        for round in 0..<8 {
            let rep = try RepSocket(context), req = try ReqSocket(context)
            let endpoint = try await rep.bind("inproc://soak-\(UUID().uuidString)")
            try await req.connect(endpoint)
            let sub = try SubSocket(context), pub = try PubSocket(context)
            _ = try await sub.subscribe(to: "x")
            let dealer = try DealerSocket(context), router = try RouterSocket(context)
            try await dealer.connect(try await router.bind("inproc://soak-\(UUID().uuidString)"))
            try await dealer.send(Message(numberedFrame(round, size: 16)))
            _ = try await router.receive(timeout: .seconds(10))
            totals.sockets += 6
            if round.isMultiple(of: 2) {
                await rep.close()
                await req.close()
                await sub.close()
                await pub.close()
                await dealer.close()
                await router.close()
            }  // odd rounds: dropped without close (the deinit path)
        }
        await context.shutdown()
        totals.cycles = 1
        return totals
    }

    /// The message numbered `index`: its shape follows from the index, so the receiver knows what
    /// to expect.
    private static func message(_ index: Int, ledger: ZeroCopyLedger) -> Message {
        let shape = Shape(index)
        if shape.zeroCopy {
            return Message(ledger.frame(index, size: shape.sizes[0]))
        }
        var frames = [numberedFrame(index, size: shape.sizes[0])]
        for size in shape.sizes.dropFirst() { frames.append(Frame([UInt8](repeating: 0x5A, count: size))) }
        return frames.count == 1 ? Message(frames[0]) : Message(frames: frames)
    }
}

/// What message `index` looks like.
struct Shape {
    var sizes: [Int]
    var zeroCopy = false

    init(_ index: Int) {
        let draw = ((index &* 2_654_435_761) >> 7 & 0x3FF) % 1_000
        switch draw {
        case 0..<20:  // 2 %: zero-copy, 8–128 KiB, a buffer the test owns
            sizes = [8_192 * (1 + index % 16)]
            zeroCopy = true
        case 20..<100:  // 8 %: 2–8 KiB, copied on send, read in place on receipt
            sizes = [2_049 + index % 6_000]
        case 100..<300:  // 20 %: 100–2048 bytes
            sizes = [100 + index % 1_949]
        case 300..<350:  // 5 %: multipart, one empty frame
            sizes = [16, 0, 300]
        default:  // tiny, inline
            sizes = [4 + index % 60]
        }
    }
}

/// Counts zero-copy buffers made and freed. A buffer is freed when its frame's deallocator runs:
/// when the last frame holding it is gone and libzmq has called the free function of every
/// message that referenced it.
final class ZeroCopyLedger: Sendable {
    let created = Atomic<Int>(0)
    let freed = Atomic<Int>(0)

    /// A frame over a buffer of `size` bytes laid out as ``numberedFrame(_:size:)``, made with
    /// `Frame(bytesNoCopy:deallocator:)`, whose deallocation is counted.
    func frame(_ index: Int, size: Int) -> Frame {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        memory.copyBytes(from: numberedBytes(index, size: size))
        created.add(1, ordering: .relaxed)
        return Frame(bytesNoCopy: UnsafeRawBufferPointer(memory)) { [self] bytes in
            bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
            freed.add(1, ordering: .releasing)
        }
    }
}

struct SoakTotals {
    var cycles = 0
    var contexts = 0
    var sockets = 0
    var sent = 0
    var messages = 0
    var misdelivered = 0
    var frames = 0
    var bytes = 0

    mutating func add(_ other: SoakTotals) {
        cycles += other.cycles
        contexts += other.contexts
        sockets += other.sockets
        sent += other.sent
        messages += other.messages
        misdelivered += other.misdelivered
        frames += other.frames
        bytes += other.bytes
    }
}
