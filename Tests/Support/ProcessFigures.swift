import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the test process holds right now, read from `/proc/self`: for the tests that prove
/// nothing leaks (threads, file descriptors, memory) and that waiting costs no thread.
public struct ProcessFigures: Sendable, CustomStringConvertible {
    /// Makes Dispatch open the timer descriptor it keeps for the rest of the process, so that a
    /// count of descriptors taken afterwards does not see it appear as a leak.
    ///
    /// Dispatch opens that `timerfd` lazily, on the process's first timed sleep. This is the
    /// action that opens it, not a wait for anything: once the sleep returns the descriptor is
    /// open, whatever its length.
    public static func openRuntimeTimerDescriptor() async throws {
        try await Task.sleep(for: .milliseconds(1))
    }

    /// Threads (`/proc/self/task` entries).
    public var threads: Int
    /// Open file descriptors (`/proc/self/fd` entries, less the one used to list them).
    public var fileDescriptors: Int
    /// Resident memory, bytes (`VmRSS`).
    public var residentBytes: Int
    /// Peak resident memory since the start or the last ``resetPeak()``, bytes (`VmHWM`).
    public var peakResidentBytes: Int

    /// Whether this process runs under ThreadSanitizer, whose shadow memory makes RSS figures
    /// meaningless (threads and file descriptors still count).
    public static let isUnderThreadSanitizer: Bool = dlsym(nil, "__tsan_init") != nil

    /// Whether this process runs under AddressSanitizer (`make leaks`), whose quarantine keeps
    /// freed memory resident for a while: RSS then grows without a leak, and LeakSanitizer
    /// checks for leaks itself at exit.
    public static let isUnderAddressSanitizer: Bool = dlsym(nil, "__asan_init") != nil

    /// The figures now.
    public static func current() -> ProcessFigures {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return ProcessFigures(
            threads: entries(in: "/proc/self/task"),
            // Listing the directory opens one descriptor of its own.
            fileDescriptors: max(0, entries(in: "/proc/self/fd") - 1),
            residentBytes: kibibytes("VmRSS", in: status) * 1024,
            peakResidentBytes: kibibytes("VmHWM", in: status) * 1024
        )
    }

    /// Resets `VmHWM` to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux 4.0 and later).
    /// Returns false when the kernel refused.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// The names (`comm`) of this process's threads.
    public static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Threads of contexts: the library's poll loops and context terminations (`zmq-…`) and
    /// libzmq's I/O and reaper threads (`ZMQbg/…`).
    public static func contextThreads() -> [String] {
        threadNames().filter { $0.hasPrefix("zmq-") || $0.hasPrefix("ZMQbg") }
    }

    public var description: String {
        "threads \(threads), fds \(fileDescriptors), RSS \(Self.mebibytes(residentBytes)), peak RSS \(Self.mebibytes(peakResidentBytes))"
    }

    public static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    private static func entries(in directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }

    private static func kibibytes(_ field: String, in status: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Int(digits) ?? -1
        }
        return -1
    }
}
