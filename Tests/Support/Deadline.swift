import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `duration` multiplied by `ZMQ_TEST_DEADLINE_SCALE`, as ``withDeadline(_:_:sourceLocation:)``
/// scales its deadline: for a timeout that only bounds a wait for something that should happen
/// (a reply, a condition), so that a run slowed down by ThreadSanitizer and the whole suite on
/// 2 cores does not fail it. Not for a timeout whose expiry is what the test checks.
public func testTimeout(_ duration: Duration) -> Duration {
    duration * Watchdog.deadlineScale
}

/// Fails the test when `body` takes longer than `seconds`, and ends the whole test process, with a
/// report of what was still running, when `body` does not end after that either.
///
/// At the deadline the body's task is cancelled. A body that then ends within
/// ``Watchdog/gracePeriod`` fails the test with "deadline exceeded" and the run goes on. A body that
/// does not (an uncancellable wait: a continuation nobody resumes, a `shutdown()` that never
/// returns) would hold the test run until CI's own limit, so the watchdog prints every thread's
/// stack (gdb, or the threads' names and kernel wait channels without it) and ends the process with
/// exit code 3.
///
/// `seconds` is multiplied by `ZMQ_TEST_DEADLINE_SCALE` (default 1): `make test` sets 3 for its
/// ThreadSanitizer run, where the whole suite shares 2 cores and a 2-thread cooperative pool and
/// tests full of round trips between ordinary tasks ran past 30 s (a different one each run).
public func withDeadline<T: Sendable>(
    _ seconds: Double = 30,
    _ body: @escaping @Sendable () async throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> T {
    let scale = Watchdog.deadlineScale
    let scaled = scale == 1 ? "" : " (×\(scale) by ZMQ_TEST_DEADLINE_SCALE)"
    let task = Task { try await body() }
    let name = Test.current?.name ?? "a test"
    let alarm = Watchdog.shared.arm(
        after: seconds * scale,
        what: "\(name) (\(sourceLocation.fileID):\(sourceLocation.line)): withDeadline(\(seconds))\(scaled)",
        onExpiry: { task.cancel() }
    )
    let result = await withTaskCancellationHandler {
        await task.result
    } onCancel: {
        task.cancel()
    }
    if Watchdog.shared.disarm(alarm) {
        Issue.record("deadline of \(seconds) s exceeded (the body ended once cancelled)\(scaled)", sourceLocation: sourceLocation)
        throw DeadlineExceeded(seconds: seconds)
    }
    return try result.get()
}

/// Thrown by ``withDeadline(_:_:sourceLocation:)`` when the body overran its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// The deadline that passed, in seconds.
    public var seconds: Double

    public var description: String { "deadline of \(seconds) s exceeded" }
}

/// One thread that watches every armed deadline of the test process.
///
/// A single long-lived thread (not one per deadline), so that tests counting the process's threads
/// see at most one extra, started with the first deadline.
public final class Watchdog: @unchecked Sendable {
    // @unchecked: `alarms`, `nextID` and `started` are touched only with `mutex` held; `mutex` and
    // `condition` are allocated once and live as long as the process (the watchdog is a singleton).

    /// The watchdog of this process.
    public static let shared = Watchdog()

    /// What ``withDeadline(_:_:sourceLocation:)`` multiplies its deadlines by:
    /// `ZMQ_TEST_DEADLINE_SCALE` (at least 1; default 1).
    public static let deadlineScale: Double = {
        ProcessInfo.processInfo.environment["ZMQ_TEST_DEADLINE_SCALE"].flatMap(Double.init).map { max(1, $0) } ?? 1
    }()

    /// How long a cancelled body may take to end before the process is ended: 60 s, or
    /// `ZMQ_TEST_DEADLINE_GRACE` seconds.
    ///
    /// Generous on purpose: under ThreadSanitizer, when every suite starts its contexts at once,
    /// both threads of Swift's cooperative pool were seen blocked for over 10 s creating threads,
    /// and a cancelled body cannot end before one of them runs it. A real hang waits forever.
    public static let gracePeriod: Double = {
        ProcessInfo.processInfo.environment["ZMQ_TEST_DEADLINE_GRACE"].flatMap(Double.init) ?? 60
    }()

    /// An armed deadline.
    public struct Alarm: Sendable {
        fileprivate let id: Int
    }

    private struct Entry {
        var what: String
        var deadline: Double
        var fired: Bool
        var onExpiry: @Sendable () -> Void
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var alarms: [Int: Entry] = [:]
    private var nextID = 0
    private var started = false

    private init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// Arms a deadline `seconds` from now; `onExpiry` runs on the watchdog thread when it passes.
    public func arm(after seconds: Double, what: String, onExpiry: @escaping @Sendable () -> Void) -> Alarm {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        nextID += 1
        alarms[nextID] = Entry(what: what, deadline: Self.now() + seconds, fired: false, onExpiry: onExpiry)
        if !started {
            started = true
            let thread = Thread { [self] in watch() }
            thread.name = "test watchdog"
            thread.start()
        }
        pthread_cond_signal(condition)
        return Alarm(id: nextID)
    }

    /// Removes `alarm`; returns whether its deadline had passed.
    public func disarm(_ alarm: Alarm) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return alarms.removeValue(forKey: alarm.id)?.fired ?? false
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private func watch() {
        pthread_mutex_lock(mutex)
        while true {
            let now = Self.now()
            var expired: [@Sendable () -> Void] = []
            var hung: [String] = []
            for (id, entry) in alarms {
                if !entry.fired, now >= entry.deadline {
                    alarms[id]?.fired = true
                    expired.append(entry.onExpiry)
                } else if entry.fired, now >= entry.deadline + Self.gracePeriod {
                    hung.append(entry.what)
                }
            }
            if !hung.isEmpty {
                pthread_mutex_unlock(mutex)
                Self.endProcess(hung: hung)
            }
            if !expired.isEmpty {
                pthread_mutex_unlock(mutex)
                expired.forEach { $0() }
                pthread_mutex_lock(mutex)
                continue
            }
            let next = alarms.values.map { $0.fired ? $0.deadline + Self.gracePeriod : $0.deadline }.min()
            if let next {
                var until = timespec()
                until.tv_sec = Int(next)
                until.tv_nsec = Int((next - Double(Int(next))) * 1e9)
                pthread_cond_timedwait(condition, mutex, &until)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    /// Prints what is still running and ends the process.
    private static func endProcess(hung: [String]) -> Never {
        var report = "\n=== HUNG TEST: still running \(gracePeriod) s after its deadline, and cancelling it did not end it:\n"
        for what in hung { report += "  - \(what)\n" }
        report += "=== The stacks of every thread of process \(getpid()) follow; the test process ends with exit code 3.\n"
        FileHandle.standardError.write(Data(report.utf8))
        HangReport.writeStacks()
        FileHandle.standardError.write(Data("=== end of the hung-test report\n".utf8))
        _exit(3)
    }
}

/// What a hung process was doing: every thread's stack.
enum HangReport {
    /// Prints every thread's stack to stderr with gdb (bounded to 60 s), or each thread's name,
    /// state and kernel wait channel from /proc where gdb is missing or fails, or where
    /// `ZMQ_TEST_STACKS=proc` asks for that (gdb takes up to half a minute on this binary).
    static func writeStacks() {
        if ProcessInfo.processInfo.environment["ZMQ_TEST_STACKS"] != "proc",
            let gdb = ["/usr/bin/gdb", "/bin/gdb"].first(where: FileManager.default.isExecutableFile(atPath:)),
            runGDB(gdb)
        {
            return
        }
        FileHandle.standardError.write(Data(threadsFromProc().utf8))
    }

    private static func runGDB(_ gdb: String) -> Bool {
        // gdb writes to a file, copied to stderr afterwards: gdb stops every thread of this
        // process while it reads them, the one waiting for it included.
        let output = "\(FileManager.default.temporaryDirectory.path)/zmq-hang-\(getpid()).txt"
        guard FileManager.default.createFile(atPath: output, contents: nil),
            let file = FileHandle(forWritingAtPath: output)
        else { return false }
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gdb)
        process.arguments = [
            "-p", "\(getpid())", "-batch", "-nx",
            "-ex", "set pagination off", "-ex", "set print frame-arguments none",
            "-ex", "thread apply all bt 40",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = file
        process.standardError = file
        do { try process.run() } catch { return false }
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate() }
        try? file.close()
        guard let text = try? String(contentsOfFile: output, encoding: .utf8), text.contains("LWP") else {
            return false
        }
        FileHandle.standardError.write(Data(text.utf8))
        return true
    }

    /// One line per thread: id, name, state and wait channel.
    static func threadsFromProc() -> String {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { id in
            func read(_ file: String) -> String {
                ((try? String(contentsOfFile: "/proc/self/task/\(id)/\(file)", encoding: .utf8)) ?? "?")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let state = read("stat").split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? "?"
            return "  thread \(id) \"\(read("comm"))\" state \(state) waiting in \(read("wchan"))\n"
        }.joined()
    }
}
