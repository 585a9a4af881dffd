import CZeroMQ

#if canImport(FoundationEssentials)
import FoundationEssentials
#elseif canImport(Foundation)
import Foundation
#endif

/// One part of a ``Message``: an immutable run of bytes.
///
/// Frames made from owned buffers (`[UInt8]`, `String`, `Data`) keep the buffer; large ones are
/// handed to libzmq without copying (libzmq holds a reference until it has sent them). Received
/// frames up to ``Frame/copyLimit`` bytes are copied into an array (one allocation, no libzmq
/// message kept alive; up to 64 bytes they are stored inside the frame value, with no allocation
/// at all); larger ones keep libzmq's message and expose its bytes in place.
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
    }

    var storage: Storage

    /// Received frames up to this many bytes are copied out of libzmq; larger ones are kept in place.
    public static let copyLimit = 2048

    /// Frames at least this large are sent without a copy (libzmq references the frame's buffer).
    public static let zeroCopyThreshold = 8192

    init(storage: Storage) {
        self.storage = storage
    }

    /// A frame holding `bytes`, sent without a copy when large.
    public init(_ bytes: [UInt8]) {
        storage = .bytes(bytes)
    }

    /// A frame holding the UTF-8 bytes of `text`.
    public init(_ text: String) {
        storage = .text(text)
    }

    /// A frame holding the bytes of `sequence` (copied once into an array).
    public init<Bytes: Sequence>(bytes sequence: Bytes) where Bytes.Element == UInt8 {
        storage = .bytes(Array(sequence))
    }

    #if canImport(FoundationEssentials) || canImport(Foundation)
    /// A frame holding `data`, sent without a copy when large.
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
            return try body(UnsafeRawBufferPointer(start: message.base, count: message.count))
        case .inline(let bytes):
            return try bytes.withUnsafeBytes(body)
        }
    }

    /// The frame's bytes as an array (no copy when the frame was made from an array or copied on
    /// receipt).
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
    func copy(into target: inout zmq_msg_t) -> Bool {
        zmq_msg_copy(&target, message) == 0
    }

    deinit {
        zmq_msg_close(message)
        message.deallocate()
    }
}
