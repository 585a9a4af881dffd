import Foundation
import Testing
@testable import ZeroMQ

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
