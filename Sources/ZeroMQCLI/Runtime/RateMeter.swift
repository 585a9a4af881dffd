import Synchronization  // Atomic
import ZeroMQ
import ZeroMQSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the messages a command handles, shows a live rate on standard error while it runs
/// (only when standard error is a terminal), and makes the final summary line.
///
/// The summary's time runs from the first message to the last, so neither the time a command
/// spends waiting for its peer nor the time until Ctrl-C counts.
final class RateMeter: Sendable {
    /// How often the live rate is refreshed.
    static let refreshInterval: Duration = .milliseconds(500)

    private let counted = Atomic<Int>(0)
    /// Nanoseconds from `start` to the first and to the latest message (-1: none yet).
    private let firstMessage = Atomic<Int>(-1)
    private let lastMessage = Atomic<Int>(-1)
    private let start = RateMeter.monotonicNanoseconds()
    private let display = Lock(Display())

    private struct Display {
        var task: Task<Void, Never>?
        /// Whether a rate is on screen, to be cleared at the end.
        var showing = false
        /// Set by ``stop()``: nothing may be written after it.
        var stopped = false
    }

    /// The number of messages counted so far.
    var count: Int { counted.load(ordering: .relaxed) }

    /// Counts one message.
    @inline(__always)
    func record() { record(1) }

    /// Counts `count` messages handled since the last call, with one clock read: for loops that
    /// handle many messages without waiting and know when they end
    /// (``Session/sendAll(_:through:pause:)``), which call it every so often and once more after
    /// their last message.
    func record(_ count: Int) {
        guard count > 0 else { return }
        let now = nanosecondsSinceStart()
        if counted.wrappingAdd(count, ordering: .relaxed).oldValue == 0 {
            firstMessage.store(now, ordering: .relaxed)
        }
        lastMessage.store(now, ordering: .relaxed)
    }

    /// Sets the count to `total` when it is higher (for counts read from elsewhere, such as a
    /// proxy's statistics).
    func advance(to total: Int) {
        let now = nanosecondsSinceStart()
        while true {
            let current = count
            guard total > current else { return }
            if counted.compareExchange(expected: current, desired: total, ordering: .relaxed).exchanged {
                if current == 0 { _ = firstMessage.compareExchange(expected: -1, desired: now, ordering: .relaxed) }
                lastMessage.store(now, ordering: .relaxed)
                return
            }
        }
    }

    /// Starts the clock now, for counts that are only read at the end (a proxy's final
    /// statistics): the summary then covers the time from here to that read.
    func startClock() {
        _ = firstMessage.compareExchange(expected: -1, desired: nanosecondsSinceStart(), ordering: .relaxed)
    }

    private func nanosecondsSinceStart() -> Int {
        Self.monotonicNanoseconds() - start
    }

    /// Nanoseconds on the monotonic clock. ``record()`` reads it for every message it counts: a
    /// direct `clock_gettime` (a vDSO call) spares the `Duration` and 128-bit arithmetic of
    /// `ContinuousClock` (a third of the meter's cost in a profile of a busy `zmq pull`).
    @inline(__always)
    private static func monotonicNanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    /// Starts refreshing `<count> messages, <rate> msg/s` on standard error every
    /// ``refreshInterval``, each time over the previous one (`\r`).
    func startLiveDisplay() {
        let task = Task { [self] in
            var previous = 0
            while !Task.isCancelled {
                do { try await Task.sleep(for: Self.refreshInterval) } catch { return }
                let current = count
                let perSecond = Double(current - previous) / Self.refreshInterval.seconds
                previous = current
                let line = "\r\(current) messages, \(Int(perSecond.rounded())) msg/s\u{1B}[K"
                display.withLock { display in
                    guard !display.stopped else { return }
                    display.showing = true
                    Terminal.writeError(line)
                }
            }
        }
        display.withLock { $0.task = task }
    }

    /// Whether the live display runs.
    var isLive: Bool { display.withLock { $0.task != nil && !$0.stopped } }

    /// Stops the live display and clears its line.
    func stop() {
        let task = display.withLock { display in
            if display.showing, !display.stopped { Terminal.writeError("\r\u{1B}[K") }
            display.stopped = true
            defer { display.task = nil }
            return display.task
        }
        task?.cancel()
    }

    /// `N messages in S s (R msg/s)`: the count, the seconds from the first message to the last
    /// with three decimals, and the average rate rounded to a whole number (0 when no time passed).
    var summary: String {
        let first = firstMessage.load(ordering: .relaxed)
        let last = lastMessage.load(ordering: .relaxed)
        let seconds = first >= 0 && last > first ? Double(last - first) / 1e9 : 0
        let rate = seconds > 0 ? Int((Double(count) / seconds).rounded()) : 0
        return "\(count) messages in \(Self.decimal(seconds, places: 3)) s (\(rate) msg/s)"
    }

    /// `value` with exactly `places` decimals, e.g. `1.250`.
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        let fraction = String(scaled % scale)
        return "\(scaled / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
