import Foundation
import Testing
@testable import ZeroMQ

/// What this process holds, read from `/proc/self`: the figures the soak, big-message and
/// leak tests print and compare.
struct ProcessResources: Sendable, CustomStringConvertible {
    /// Threads (`/proc/self/task` entries).
    var threads: Int
    /// Open file descriptors (`/proc/self/fd` entries, less the one used to list them).
    var fileDescriptors: Int
    /// Resident memory, bytes (`VmRSS`).
    var residentBytes: Int
    /// Peak resident memory since the start or the last ``resetPeak()``, bytes (`VmHWM`).
    var peakResidentBytes: Int

    /// The figures now.
    static func current() -> ProcessResources {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return ProcessResources(
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
    static func resetPeak() -> Bool {
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
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Threads of contexts: the library's poll loops and context terminations (`zmq-…`) and
    /// libzmq's I/O and reaper threads (`ZMQbg/…`).
    static func contextThreads() -> [String] {
        threadNames().filter { $0.hasPrefix("zmq-") || $0.hasPrefix("ZMQbg") }
    }

    var description: String {
        "threads \(threads), fds \(fileDescriptors), RSS \(Self.mebibytes(residentBytes)), peak RSS \(Self.mebibytes(peakResidentBytes))"
    }

    static func mebibytes(_ bytes: Int) -> String {
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

/// A frame of `size` bytes (at least 4) whose first four bytes are `index`, big-endian, and the
/// rest a pattern derived from it, so that a truncated or mixed-up frame is noticed.
func numberedFrame(_ index: Int, size: Int) -> Frame {
    Frame(numberedBytes(index, size: size))
}

/// The bytes of ``numberedFrame(_:size:)``.
func numberedBytes(_ index: Int, size: Int) -> [UInt8] {
    precondition(size >= 4)
    var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 31), count: size)
    let value = UInt32(truncatingIfNeeded: index)
    bytes[0] = UInt8(value >> 24)
    bytes[1] = UInt8((value >> 16) & 0xFF)
    bytes[2] = UInt8((value >> 8) & 0xFF)
    bytes[3] = UInt8(value & 0xFF)
    return bytes
}

/// The index of a frame made by ``numberedFrame(_:size:)``, or nil when the frame is not one
/// (too short, or its filler does not match its index).
func numberOfFrame(_ frame: Frame?) -> Int? {
    guard let frame, frame.count >= 4 else { return nil }
    return frame.withUnsafeBytes { buffer -> Int? in
        let index = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        let filler = UInt8(truncatingIfNeeded: index &* 31)
        // Check the last byte and one in the middle: enough to catch a mixed-up frame cheaply.
        guard buffer.count == 4 || (buffer[buffer.count - 1] == filler && buffer[4 + (buffer.count - 4) / 2] == filler) else {
            return nil
        }
        return index
    }
}
