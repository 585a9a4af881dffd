// What the process costs and what machine it runs on: CPU time and context switches of all
// threads (getrusage RUSAGE_SELF), resident and peak memory (/proc/self/status VmRSS and VmHWM),
// the file-descriptor limit (raised for the 1000-socket runs), and the machine's description.
import AllocationCounter
import CZeroMQ
import Foundation
import ZeroMQ

/// What every thread of this process has cost so far (one getrusage RUSAGE_SELF), or, as a
/// difference of two readings, what a stretch of work cost.
struct ProcessUsage {
    /// CPU time, user + system, in seconds.
    var cpuSeconds: Double
    /// Context switches: voluntary (a thread that waits) plus involuntary (a thread the kernel
    /// preempts).
    var switches: Int

    static let zero = ProcessUsage(cpuSeconds: 0, switches: 0)

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return ProcessUsage(
            cpuSeconds: Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
            switches: usage.ru_nvcsw + usage.ru_nivcsw
        )
    }

    static func - (after: ProcessUsage, before: ProcessUsage) -> ProcessUsage {
        ProcessUsage(cpuSeconds: after.cpuSeconds - before.cpuSeconds, switches: after.switches - before.switches)
    }

    static func += (total: inout ProcessUsage, more: ProcessUsage) {
        total.cpuSeconds += more.cpuSeconds
        total.switches += more.switches
    }

    /// CPU time per round, in µs, and context switches per round, each rounded to 2 decimals:
    /// the latency tables' *CPU µs* and *switches*.
    func perRound(_ rounds: Double) -> (cpuMicroseconds: Double, switches: Double) {
        (rounded(cpuSeconds * 1e6 / rounds, 2), rounded(Double(switches) / rounds, 2))
    }
}

enum SystemMetrics {
    /// CPU time (user + system) of every thread of this process so far, in seconds.
    static func cpuSeconds() -> Double {
        ProcessUsage.now().cpuSeconds
    }

    /// Resident memory now (VmRSS), in megabytes (10^6 bytes).
    static func residentMegabytes() -> Double? {
        statusKilobytes("VmRSS:").map { $0 * 1024 / 1e6 }
    }

    /// The most resident memory this process has had (VmHWM), in megabytes.
    static func peakResidentMegabytes() -> Double? {
        statusKilobytes("VmHWM:").map { $0 * 1024 / 1e6 }
    }

    private static func statusKilobytes(_ key: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let value = fields.first.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    /// Returns the heap's free memory to the system (`malloc_trim(0)`), so that a resident-memory
    /// difference measured next is not hidden by memory that earlier sections freed but glibc kept.
    static func releaseFreeMemory() {
        allocation_counter_release_free_memory()
    }

    /// Raises the soft limit on open files to the hard limit: 1000 tcp sockets per end need
    /// several thousand descriptors.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `uname -sr`, e.g. "Linux 6.1.0".
    static var system: String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(field(name.sysname)) \(field(name.release))"
    }

    /// The version of the compiler that built this binary.
    static var swiftVersion: String {
        #if compiler(>=6.5)
        return "6.5+"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// `git rev-parse --short HEAD` in `directory`, or nil without git or a repository.
    static func commit(in directory: String) async -> String? {
        try? await RawThread<String?>.run("git rev-parse") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory, "rev-parse", "--short", "HEAD"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
    }
}
