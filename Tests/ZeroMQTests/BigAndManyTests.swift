import CZeroMQ
import Foundation
import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Big messages, many sockets, no file descriptors left.
@Suite("Big and many: 100 MiB messages, 10 000 sockets, ulimit -n exhausted", .timeLimit(.minutes(5)))
struct BigAndManyTests {
    // MARK: 100 MiB through each transport

    static let bigSize = 100 * 1_048_576

    /// A parent test: the measurement runs in a child process, where no other test's memory
    /// counts (`VmHWM` is the whole process's).
    @Test("a 100 MiB message through inproc, ipc and tcp, zero-copy: peak RSS grows by about 2× the message at most")
    func hundredMebibytes() async throws {
        let outcome = try await ChildTestProcess.run("hundredMebibytesChild", timeout: .seconds(240))
        for line in outcome.lines(startingWith: "big-message:") { print(line) }
        #expect(outcome.succeeded, "the child failed:\n\(outcome.output.suffix(4_000))")
        #expect(outcome.lines(startingWith: "big-message:").count == Transport.allCases.count)
    }

    @Test(
        "child: a 100 MiB message through each transport",
        .enabled(if: ChildTestProcess.isChild("hundredMebibytesChild"))
    )
    func hundredMebibytesChild() async throws {
        for transport in Transport.allCases {
            try await withDeadline(120) { try await Self.sendBig(over: transport) }
        }
    }

    private static func sendBig(over transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket(context), push = try PushSocket(context)
        try await push.connect(try await pull.bind(transport.endpoint()))
        try await push.send(Message(frame(0)))  // the connection is up
        #expect(number(try await pull.receive(timeout: .seconds(10)).first) == 0)

        #expect(ProcessFigures.resetPeak(), "VmHWM could not be reset")
        let before = ProcessFigures.current()
        let size = bigSize
        // A pattern that differs from block to block, so a misplaced block is noticed.
        // Built in place, in a buffer the frame owns: sent without a copy.
        let frame = Frame(unsafeUninitializedCapacity: size) { buffer in
            let block = 4_099  // prime: blocks do not line up with pages
            for index in 0..<block { buffer[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 8) }
            var filled = block
            while filled < size {
                let chunk = min(filled, size - filled)
                memcpy(buffer.baseAddress! + filled, buffer.baseAddress!, chunk)
                filled += chunk
            }
            return size
        }
        let sentBase = frame.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let started = ContinuousClock.now
        try await push.send(Message(frame))
        let message = try await pull.receive(timeout: .seconds(60))
        let elapsed = ContinuousClock.now - started
        let after = ProcessFigures.current()

        #expect(message.frameCount == 1)
        #expect(message.byteCount == size)
        let (same, receivedBase) = try #require(message.first).withUnsafeBytes { received in
            frame.withUnsafeBytes { sent in
                (received.count == sent.count && memcmp(received.baseAddress!, sent.baseAddress!, sent.count) == 0,
                 UInt(bitPattern: received.baseAddress))
            }
        }
        #expect(same, "the 100 MiB arrived changed")
        if transport == .inproc {
            // inproc hands libzmq's message over: the receiver reads the sender's very buffer.
            #expect(receivedBase == sentBase, "inproc copied the message")
        }
        let growth = after.peakResidentBytes - before.residentBytes
        print(
            "big-message: \(transport) 100 MiB in \(elapsed): RSS before \(ProcessFigures.mebibytes(before.residentBytes)), "
                + "peak \(ProcessFigures.mebibytes(after.peakResidentBytes)), growth \(ProcessFigures.mebibytes(growth)) "
                + String(format: "(%.2f× the message)", Double(growth) / Double(size))
        )
        // The sender's buffer (sent without a copy) and the receiver's (libzmq reads a large
        // message straight into it): 2× over ipc and tcp, 1× over inproc; 32 MiB of slack for
        // the rest of the process.
        #expect(growth <= 2 * size + 32 * 1_048_576)
        await context.shutdown()
    }

    // MARK: 10 000 sockets

    @Test("10 000 sockets in one context (maximumSockets 10 000) all work; the 10 001st is a clear error")
    func tenThousandSockets() async throws {
        try await withDeadline(240) {
            let sockets = 10_000
            try Self.raiseOpenFileLimit(to: sockets + 2_000)
            let context = try makeContext { $0.maximumSockets = sockets }
            let before = ProcessFigures.current()
            let started = ContinuousClock.now
            var pairs: [(PushSocket, PullSocket)] = []
            pairs.reserveCapacity(sockets / 2)
            let prefix = "inproc://many-\(UUID().uuidString)-"
            for index in 0..<sockets / 2 {
                let pull = try PullSocket(context), push = try PushSocket(context)
                try await push.connect(try await pull.bind(prefix + "\(index)"))
                pairs.append((push, pull))
            }
            let opened = ContinuousClock.now - started
            let full = ProcessFigures.current()

            // One more is refused, and the error says which limit and what to do.
            let error = #expect(throws: ZeroMQError.self) { _ = try PairSocket(context) }
            #expect(error?.code == .libzmq)
            #expect(error?.errnoName == "EMFILE")
            #expect(error?.reason.contains("maximumSockets (\(sockets))") == true)
            print("many-sockets: the 10 001st: \(error.map(String.init(describing:)) ?? "no error")")

            // Every pair carries a message.
            for (index, pair) in pairs.enumerated() { try await pair.0.send(Message(frame(index))) }
            var delivered = 0
            for (index, pair) in pairs.enumerated() {
                if number(try await pair.1.receive(timeout: .seconds(30)).first) == index { delivered += 1 }
            }
            #expect(delivered == sockets / 2)

            // Closed sockets free their slots once libzmq's reaper has finished with them (an
            // inproc peer must take part, so both ends are closed): a new one can be made.
            await pairs[0].0.close()
            await pairs[0].1.close()
            var replacement: PairSocket?
            let deadline = ContinuousClock.now + .seconds(10)
            while replacement == nil, ContinuousClock.now < deadline {
                do { replacement = try PairSocket(context) } catch { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(replacement != nil, "no socket could be made after one was closed")
            print(
                "many-sockets: \(sockets) sockets open in \(opened), \(delivered) pairs delivered; "
                    + "fds \(before.fileDescriptors) → \(full.fileDescriptors), "
                    + "RSS \(ProcessFigures.mebibytes(before.residentBytes)) → \(ProcessFigures.mebibytes(full.residentBytes))"
            )
            await context.shutdown()
        }
    }

    /// Raises this process's soft open-file limit to `wanted` when it is lower (never lowers it:
    /// raising harms no test running alongside).
    static func raiseOpenFileLimit(to wanted: Int) throws {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        guard limit.rlim_cur < rlim_t(wanted) else { return }
        guard limit.rlim_max >= rlim_t(wanted) else {
            struct HardLimitTooLow: Error {}
            Issue.record("this test needs \(wanted) open files, and the hard limit (ulimit -Hn) is \(limit.rlim_max)")
            throw HardLimitTooLow()
        }
        limit.rlim_cur = rlim_t(wanted)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    // MARK: ulimit -n exhausted

    /// The exhaustion runs in a child process: the open-file limit is the whole process's, and
    /// lowering it here would fail the tests running alongside (a `.serialized` suite only
    /// orders its own tests).
    @Test("with ulimit -n exhausted, sockets, binds and contexts fail with a clear EMFILE error; the process recovers")
    func fileDescriptorExhaustion() async throws {
        let outcome = try await ChildTestProcess.run("fileDescriptorExhaustionChild", timeout: .seconds(120))
        for line in outcome.lines(startingWith: "fd-exhaustion:") { print(line) }
        #expect(outcome.succeeded, "the child failed (exit \(outcome.status), exited \(outcome.exited)):\n\(outcome.output.suffix(4_000))")
        #expect(outcome.lines(startingWith: "fd-exhaustion: recovered").count == 1)
    }

    @Test(
        "child: exhausts ulimit -n, checks every error, recovers",
        .enabled(if: ChildTestProcess.isChild("fileDescriptorExhaustionChild"))
    )
    func fileDescriptorExhaustionChild() async throws {
        try await withDeadline(60) {
            let context = try makeContext()
            let pull = try PullSocket(context)
            let endpoint = try await pull.bind("tcp://127.0.0.1:*")

            // A low limit, then every descriptor under it taken.
            var saved = rlimit()
            #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved) == 0)
            var lowered = saved
            lowered.rlim_cur = rlim_t(ProcessFigures.current().fileDescriptors + 64)
            #expect(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lowered) == 0)
            var fillers: [Int32] = []
            while fillers.count < 10_000 {
                let fd = czmq_wakeup_create()
                guard fd >= 0 else { break }
                fillers.append(fd)
            }
            func free(_ count: Int) {
                for _ in 0..<min(count, fillers.count) { _ = close(fillers.removeLast()) }
            }

            // A socket on a started context.
            let socketError = #expect(throws: ZeroMQError.self) { _ = try PushSocket(context) }
            #expect(socketError?.errnoName == "EMFILE")
            #expect(socketError?.code == .systemResource)
            print("fd-exhaustion: new socket: \(socketError.map(String.init(describing:)) ?? "no error")")

            // A bind to a host address (libzmq first looks it up as an interface name, which
            // needs a descriptor: it aborted the process here before the library checked).
            let bindError = await #expect(throws: ZeroMQError.self) { _ = try await pull.bind("tcp://127.0.0.1:*") }
            #expect(bindError?.errnoName == "EMFILE")
            print("fd-exhaustion: bind: \(bindError.map(String.init(describing:)) ?? "no error")")

            // A new context.
            let contextError = #expect(throws: ZeroMQError.self) { _ = try makeContext() }
            #expect(contextError?.errnoName == "EMFILE")
            print("fd-exhaustion: new context: \(contextError.map(String.init(describing:)) ?? "no error")")

            // A new context with a few descriptors free: libzmq starts its threads with the first
            // socket and aborts the process (errno_assert) when it gets an eventfd but no epoll
            // descriptor; the library checks first and throws.
            free(5)
            let fresh = try makeContext()
            let startError = #expect(throws: ZeroMQError.self) { _ = try PushSocket(fresh) }
            #expect(startError?.errnoName == "EMFILE")
            print("fd-exhaustion: first socket of a new context with 5 descriptors free: \(startError.map(String.init(describing:)) ?? "no error")")
            await fresh.shutdown()

            // Descriptors back: everything works again, in this same process.
            free(fillers.count)
            #expect(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved) == 0)
            let push = try PushSocket(context)
            try await push.connect(endpoint)
            try await push.send(Message(frame(42)))
            #expect(number(try await pull.receive(timeout: .seconds(10)).first) == 42)
            let later = try makeContext()
            let laterPull = try PullSocket(later), laterPush = try PushSocket(later)
            try await laterPush.connect(try await laterPull.bind("tcp://127.0.0.1:*"))
            try await laterPush.send(Message(frame(7)))
            #expect(number(try await laterPull.receive(timeout: .seconds(10)).first) == 7)
            print("fd-exhaustion: recovered: after freeing descriptors a socket, a connection and a new context work")
            await later.shutdown()
            await context.shutdown()
        }
    }
}
