import CZeroMQ

#if canImport(FoundationEssentials)
import FoundationEssentials
#elseif canImport(Foundation)
import Foundation
#endif

/// One part of a ``Message``: an immutable run of bytes.
///
/// Frames made from Swift values (`[UInt8]`, `String`, `Data`) keep the value, and libzmq copies
/// their bytes when they are sent, as `zmq_send` does. To send a large frame without that copy,
/// make it over storage whose lifetime the library owns:
/// ``init(unsafeUninitializedCapacity:initializingWith:)`` writes the bytes straight into a
/// buffer the frame allocates, and ``init(bytesNoCopy:deallocator:)`` takes over memory you
/// allocated. Such frames of at least ``zeroCopyThreshold`` bytes are handed to libzmq by
/// reference; libzmq holds the buffer until the bytes are on the wire, and the memory is freed
/// exactly once, when neither a frame nor libzmq needs it any more.
///
/// Received frames up to ``Frame/copyLimit`` bytes are copied into an array (one allocation, no
/// libzmq message kept alive; up to 64 bytes they are stored inside the frame value, with no
/// allocation at all); larger ones keep libzmq's message and expose its bytes in place (and are
/// resent without a copy).
public struct Frame: Sendable {
    enum Storage: Sendable {
        case bytes([UInt8])
        case text(String)
        #if canImport(FoundationEssentials) || canImport(Foundation)
        case data(Data)
        #endif
        case received(ReceivedMessage)
        /// A small received frame, held inline (no allocation).
        case inline(InlineBytes)
        /// Bytes in a buffer the library owns, which libzmq may reference while sending.
        case buffer(FrameBuffer)
    }

    var storage: Storage

    /// Received frames up to this many bytes are copied out of libzmq; larger ones are kept in place.
    public static let copyLimit = 2048

    /// Frames at least this large whose bytes the library owns (made with
    /// ``init(unsafeUninitializedCapacity:initializingWith:)`` or
    /// ``init(bytesNoCopy:deallocator:)``) are sent without a copy: libzmq references the
    /// buffer. Smaller ones are copied, which costs less than libzmq's bookkeeping for a
    /// referenced buffer.
    public static let zeroCopyThreshold = 8192

    init(storage: Storage) {
        self.storage = storage
    }

    /// A frame holding `bytes` (copied by libzmq when sent).
    ///
    /// Up to 64 bytes are copied into the frame itself, so that copying and sending the frame
    /// costs no reference counting; ``bytes`` then makes a new array.
    public init(_ bytes: [UInt8]) {
        if bytes.count <= InlineBytes.capacity {
            storage = bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return .bytes(bytes) }
                return .inline(InlineBytes(copying: base, count: buffer.count))
            }
        } else {
            storage = .bytes(bytes)
        }
    }

    /// A frame holding the UTF-8 bytes of `text`.
    public init(_ text: String) {
        storage = .text(text)
    }

    /// A frame holding the bytes of `sequence` (copied once into an array).
    ///
    /// Up to 64 bytes in contiguous storage (an array, a slice, a buffer pointer) are copied
    /// into the frame itself, with no allocation, as a frame made from an array is.
    public init<Bytes: Sequence>(bytes sequence: Bytes) where Bytes.Element == UInt8 {
        let inline = sequence.withContiguousStorageIfAvailable { buffer -> InlineBytes? in
            guard buffer.count <= InlineBytes.capacity, let base = buffer.baseAddress else { return nil }
            return InlineBytes(copying: UnsafeRawPointer(base), count: buffer.count)
        }
        if let inline = inline ?? nil {
            storage = .inline(inline)
        } else {
            storage = .bytes(Array(sequence))
        }
    }

    /// A frame of at most `capacity` bytes, written in place by `initializer`: the way to build a
    /// large frame that is sent without a copy.
    ///
    /// The frame allocates the buffer and owns it; `initializer` writes the bytes into it and
    /// returns how many it wrote (from the start of the buffer). The buffer must not be used after
    /// `initializer` returns. The memory is freed when the last frame and the last libzmq message
    /// referencing it are gone (possibly on one of libzmq's I/O threads).
    ///
    /// ```swift
    /// let frame = Frame(unsafeUninitializedCapacity: image.count) { buffer in
    ///     image.copyBytes(to: buffer)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - capacity: the most bytes the frame can hold; must not be negative.
    ///   - initializer: writes the bytes and returns their number, `0...capacity`.
    /// - Throws: what `initializer` throws (the buffer is then freed).
    public init(
        unsafeUninitializedCapacity capacity: Int,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows {
        storage = .buffer(try FrameBuffer(capacity: capacity, initializingWith: initializer))
    }

    /// A frame over memory you allocated, sent without a copy when large; the frame takes the
    /// memory over.
    ///
    /// `deallocator` runs exactly once, when neither a frame nor libzmq references the bytes any
    /// more: possibly on one of libzmq's I/O threads, so it must be quick and must not block. From
    /// this call on, the bytes must neither change nor be freed by anything but `deallocator`.
    ///
    /// - Parameters:
    ///   - bytes: the frame's bytes.
    ///   - deallocator: gives the memory back (for example `{ $0.deallocate() }` for memory from
    ///     `UnsafeMutableRawBufferPointer.allocate`).
    public init(bytesNoCopy bytes: UnsafeRawBufferPointer, deallocator: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        storage = .buffer(FrameBuffer(bytesNoCopy: bytes, deallocator: deallocator))
    }

    #if canImport(FoundationEssentials) || canImport(Foundation)
    /// A frame holding `data` (copied by libzmq when sent).
    public init(_ data: Data) {
        storage = .data(data)
    }

    /// The frame's bytes as `Data` (a copy).
    public var data: Data {
        withUnsafeBytes { Data($0) }
    }
    #endif

    /// The number of bytes in the frame.
    public var count: Int {
        switch storage {
        case .bytes(let bytes): bytes.count
        case .text(let text): text.utf8.count
        #if canImport(FoundationEssentials) || canImport(Foundation)
        case .data(let data): data.count
        #endif
        case .received(let message): message.count
        case .inline(let bytes): Int(bytes.count)
        case .buffer(let buffer): buffer.count
        }
    }

    /// Whether the frame has no bytes (an empty delimiter frame, for example).
    public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the frame's bytes, in place (no copy).
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .bytes(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .text(var text):
            return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        #if canImport(FoundationEssentials) || canImport(Foundation)
        case .data(let data):
            return try data.withUnsafeBytes(body)
        #endif
        case .received(let message):
            return try withExtendedLifetime(message) {
                try body(UnsafeRawBufferPointer(start: message.base, count: message.count))
            }
        case .inline(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .buffer(let buffer):
            return try withExtendedLifetime(buffer) { try body(buffer.bytes) }
        }
    }

    /// The frame's bytes as an array (no copy when the frame holds one: made from an array of more
    /// than 64 bytes, or received with 65 bytes to ``copyLimit``).
    public var bytes: [UInt8] {
        if case .bytes(let bytes) = storage { return bytes }
        return withUnsafeBytes { Array($0) }
    }

    /// The frame decoded as UTF-8, or `nil` when it is not valid UTF-8.
    public var string: String? {
        if case .text(let text) = storage { return text }
        return withUnsafeBytes { buffer in
            String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }

    /// A metadata property libzmq attached to a received frame (`zmq_msg_gets`): `"Socket-Type"`,
    /// `"Routing-Id"`, `"Peer-Address"`, `"User-Id"` and ZAP properties.
    ///
    /// Available only for frames that kept their libzmq message: frames larger than
    /// ``copyLimit``, and every frame received while the socket's
    /// ``Socket/keepsMessageMetadata`` is on. `nil` otherwise or when the property is unset.
    public func metadata(_ property: String) -> String? {
        guard case .received(let message) = storage else { return nil }
        return message.metadata(property)
    }
}

extension Frame: Equatable {
    /// Frames are equal when their bytes are equal.
    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                left.count == right.count && left.elementsEqual(right)
            }
        }
    }
}

extension Frame: ExpressibleByStringLiteral {
    /// A frame holding the literal's UTF-8 bytes.
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension Frame: CustomStringConvertible {
    /// The text when the frame is short printable UTF-8, otherwise its size and leading bytes in hex.
    ///
    /// Safe in a log line whatever a peer sends: text with a control character (C0, DEL, C1) or a
    /// line or paragraph separator is shown in hex, so it can never start a line of its own.
    public var description: String {
        if count <= 64, let text = string, text.unicodeScalars.allSatisfy(Self.isShownAsText) {
            return "\"\(text)\""
        }
        let head = withUnsafeBytes { buffer in
            buffer.prefix(16).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
        return "<\(count) bytes: \(head)\(count > 16 ? "…" : "")>"
    }

    /// Whether `scalar` may appear as itself in ``description``.
    static func isShownAsText(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value >= 0x20 && !(0x7F..<0xA0).contains(value) && value != 0x2028 && value != 0x2029
    }
}

/// A libzmq message kept alive after receipt so its bytes can be read in place.
///
/// Immutable once made: `base` and `count` are read once at creation; the `zmq_msg_t` lives in
/// its own allocation (so a VSM message's inline bytes never move) and is closed on deinit.
/// libzmq messages are not bound to a thread or socket, and their content is reference counted
/// atomically, so reading and releasing from any thread is safe.
final class ReceivedMessage: @unchecked Sendable {
    private let message: UnsafeMutablePointer<zmq_msg_t>
    let base: UnsafeRawPointer?
    let count: Int

    /// Takes over `source` (which is left empty, ready to be reused or closed).
    init(moving source: inout zmq_msg_t) {
        message = .allocate(capacity: 1)
        zmq_msg_init(message)
        zmq_msg_move(message, &source)
        base = UnsafeRawPointer(zmq_msg_data(message))
        count = zmq_msg_size(message)
    }

    func metadata(_ property: String) -> String? {
        guard let value = zmq_msg_gets(message, property) else { return nil }
        return String(cString: value)
    }

    /// Makes `target` (initialised, empty) share this message's content, for zero-copy resends.
    ///
    /// - Returns: `zmq_msg_copy`'s result (-1 with errno set when it fails).
    func copy(into target: inout zmq_msg_t) -> Int32 {
        zmq_msg_copy(&target, message)
    }

    deinit {
        zmq_msg_close(message)
        message.deallocate()
    }
}
