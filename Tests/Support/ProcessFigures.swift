import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the test process holds right now, from /proc: for tests that prove nothing leaks.
public struct ProcessFigures: Sendable, Equatable, CustomStringConvertible {
    /// Threads (`/proc/self/task`).
    public var threads: Int
    /// Open file descriptors (`/proc/self/fd`).
    public var fileDescriptors: Int
    /// Resident set size in KiB (`VmRSS`).
    public var residentKiB: Int
    /// Peak resident set size in KiB (`VmHWM`).
    public var peakResidentKiB: Int

    /// Whether this process runs under ThreadSanitizer, whose shadow memory makes RSS figures
    /// meaningless (threads and file descriptors still count).
    public static let isUnderThreadSanitizer: Bool = dlsym(nil, "__tsan_init") != nil

    /// The figures now.
    public static func current() -> ProcessFigures {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kib(_ key: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
                return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
            }
            return -1
        }
        func count(_ directory: String) -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
        }
        return ProcessFigures(
            threads: count("/proc/self/task"), fileDescriptors: count("/proc/self/fd"),
            residentKiB: kib("VmRSS"), peakResidentKiB: kib("VmHWM"))
    }

    public var description: String {
        "\(threads) threads, \(fileDescriptors) fds, RSS \(residentKiB / 1024) MiB (peak \(peakResidentKiB / 1024) MiB)"
    }
}
