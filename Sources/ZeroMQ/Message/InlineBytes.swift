/// Up to ``capacity`` bytes stored inline, without a heap allocation.
///
/// Received frames this small (most control messages, ids, small payloads) live in the ``Frame``
/// value itself, so receiving one costs no allocation at all.
struct InlineBytes: Sendable {
    /// The most bytes an inline frame holds.
    static let capacity = 64

    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count: UInt8

    /// Copies `count` (at most ``capacity``) bytes from `source`.
    init(copying source: UnsafeRawPointer, count: Int) {
        precondition(count <= Self.capacity, "\(count) bytes do not fit inline")
        self.count = UInt8(count)
        withUnsafeMutableBytes(of: &storage) { buffer in
            if let base = buffer.baseAddress { base.copyMemory(from: source, byteCount: count) }
        }
    }

    /// Calls `body` with the bytes.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var copy = storage
        let count = Int(self.count)
        return try Swift.withUnsafeBytes(of: &copy) { buffer in
            try body(UnsafeRawBufferPointer(rebasing: buffer.prefix(count)))
        }
    }
}
