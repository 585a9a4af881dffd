/// Bytes whose lifetime the library owns: the storage of a frame that libzmq may send without
/// copying.
///
/// The address is fixed when the buffer is made and the bytes are never written afterwards, so
/// libzmq may read them from its I/O threads for as long as it holds a reference. libzmq's free
/// function releases that reference (``SocketCore`` retains the buffer once per zero-copy send);
/// when the last reference goes, `deinit` frees the memory exactly once: its own allocation, or
/// the caller's, through the caller's deallocator.
final class FrameBuffer: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init, and the bytes behind
    // `base` are written only by the initialiser (before the buffer is shared with anyone);
    // afterwards every thread, libzmq's included, only reads them.

    /// How the memory is given back.
    private enum Release {
        /// Allocated by the buffer itself.
        case deallocate
        /// The caller's memory, handed back to the caller's function.
        case custom(@Sendable (UnsafeRawBufferPointer) -> Void)
    }

    /// The first byte, or `nil` for an empty buffer.
    let base: UnsafeRawPointer?
    /// How many bytes the frame holds.
    let count: Int
    private let release: Release

    /// A buffer of at most `capacity` bytes, written once by `initializer`, which returns how many
    /// it wrote.
    init(capacity: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        precondition(capacity >= 0, "Frame(unsafeUninitializedCapacity:): the capacity \(capacity) is negative")
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(capacity, 1), alignment: 16)
        let written: Int
        do {
            written = try initializer(UnsafeMutableRawBufferPointer(rebasing: memory[0..<capacity]))
        } catch {
            memory.deallocate()
            throw error
        }
        guard (0...capacity).contains(written) else {
            memory.deallocate()
            preconditionFailure("Frame(unsafeUninitializedCapacity:): the initializer reported \(written) bytes written into a capacity of \(capacity)")
        }
        base = UnsafeRawPointer(memory.baseAddress)
        count = written
        release = .deallocate
    }

    /// The caller's `bytes`, given back through `deallocator` when the buffer goes.
    init(bytesNoCopy bytes: UnsafeRawBufferPointer, deallocator: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        base = bytes.baseAddress
        count = bytes.count
        release = .custom(deallocator)
    }

    /// The bytes, valid while the buffer lives.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    deinit {
        switch release {
        case .deallocate:
            base.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        case .custom(let deallocator):
            deallocator(bytes)
        }
    }
}
