import CZeroMQ

/// A typed libzmq socket option (`zmq_setsockopt` / `zmq_getsockopt`).
///
/// The catalog of options lives in static members, so call sites read:
///
/// ```swift
/// try await socket.setOption(.linger, to: .milliseconds(0))
/// try await socket.setOption(.receiveHighWaterMark, to: 10_000)
/// let endpoint = try await socket.option(.lastEndpoint)
/// ```
///
/// Options that libzmq only lets you write have no reader (reading them throws
/// ``ZeroMQError/Code-swift.struct/invalidOption``), and the reverse.
public struct SocketOption<Value: Sendable>: Sendable, CustomStringConvertible {
    /// What libzmq lets you do with an option.
    public typealias Access = SocketOptionAccess

    /// libzmq's name for the option, such as `ZMQ_LINGER`.
    public let name: String
    /// libzmq's option number.
    public let code: Int32
    /// Whether the option can be read, written or both.
    public let access: Access
    let encode: @Sendable (Value) throws(OptionValueError) -> RawOptionValue
    let decode: @Sendable (RawOptionValue) -> Value
    let rawKind: RawOptionValue.Kind

    /// An option with a custom conversion, for options this catalog does not cover yet.
    ///
    /// - Parameters:
    ///   - name: libzmq's name, used in errors.
    ///   - code: libzmq's option number.
    ///   - access: what libzmq allows.
    ///   - kind: how libzmq stores the value.
    ///   - encode: converts a value to libzmq's representation; throw to reject it.
    ///   - decode: converts libzmq's representation back.
    init(
        name: String,
        code: Int32,
        access: Access,
        kind: RawOptionValue.Kind,
        encode: @escaping @Sendable (Value) throws(OptionValueError) -> RawOptionValue,
        decode: @escaping @Sendable (RawOptionValue) -> Value
    ) {
        self.name = name
        self.code = code
        self.access = access
        self.rawKind = kind
        self.encode = encode
        self.decode = decode
    }

    public var description: String { name }
}

/// What libzmq lets you do with a socket option.
public struct SocketOptionAccess: OptionSet, Sendable {
    public let rawValue: UInt8
    /// Wraps a raw value.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `zmq_getsockopt` works.
    public static let read = SocketOptionAccess(rawValue: 1)
    /// `zmq_setsockopt` works.
    public static let write = SocketOptionAccess(rawValue: 2)
    /// Both.
    public static let readWrite: SocketOptionAccess = [.read, .write]
}

/// Why a value was rejected before it reached libzmq.
struct OptionValueError: Error {
    let reason: String
}

/// An option value as libzmq stores it.
enum RawOptionValue: Sendable, Equatable {
    case int32(Int32)
    case int64(Int64)
    case uint64(UInt64)
    case bytes([UInt8])

    enum Kind: Sendable {
        case int32, int64, uint64
        /// Binary or text; `maximumLength` bounds what `zmq_getsockopt` may return.
        case bytes(maximumLength: Int)
        /// Text: libzmq returns it with a trailing NUL, which is stripped.
        case string(maximumLength: Int)
    }
}

// MARK: - Building blocks for the catalog

extension SocketOption where Value == Int {
    /// An `int` option.
    static func int(_ name: String, _ code: Int32, _ access: Access, range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard range.contains(value) else {
                    throw OptionValueError(reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
                }
                return .int32(Int32(value))
            },
            decode: { raw in
                if case .int32(let value) = raw { return Int(value) }
                return 0
            }
        )
    }
}

extension SocketOption where Value == Int64 {
    /// An `int64_t` option.
    static func int64(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int64,
            encode: { value throws(OptionValueError) in .int64(value) },
            decode: { raw in
                if case .int64(let value) = raw { return value }
                return 0
            }
        )
    }
}

extension SocketOption where Value == UInt64 {
    /// A `uint64_t` option.
    static func uint64(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .uint64,
            encode: { value throws(OptionValueError) in .uint64(value) },
            decode: { raw in
                if case .uint64(let value) = raw { return value }
                return 0
            }
        )
    }
}

extension SocketOption where Value == Bool {
    /// An `int` option used as a flag (0 or 1).
    static func flag(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in .int32(value ? 1 : 0) },
            decode: { raw in
                if case .int32(let value) = raw { return value != 0 }
                return false
            }
        )
    }
}

extension SocketOption where Value == Duration {
    /// An `int` option in milliseconds; `Duration` values are rounded down to whole milliseconds.
    static func milliseconds(_ name: String, _ code: Int32, _ access: Access, minimum: Duration = .zero) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard value >= minimum else { throw OptionValueError(reason: "\(value) is below \(minimum)") }
                let millis = value.wholeMilliseconds
                guard millis <= Int64(Int32.max) else { throw OptionValueError(reason: "\(value) is too long") }
                return .int32(Int32(millis))
            },
            decode: { raw in
                if case .int32(let value) = raw { return .milliseconds(Int64(value)) }
                return .zero
            }
        )
    }
}

extension SocketOption where Value == Duration? {
    /// An `int` option in milliseconds where `-1` means "never" or "infinite", written as `nil`.
    static func optionalMilliseconds(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard let value else { return .int32(-1) }
                guard value >= .zero else { throw OptionValueError(reason: "\(value) is negative; use nil") }
                let millis = value.wholeMilliseconds
                guard millis <= Int64(Int32.max) else { throw OptionValueError(reason: "\(value) is too long") }
                return .int32(Int32(millis))
            },
            decode: { raw in
                if case .int32(let value) = raw, value >= 0 { return .milliseconds(Int64(value)) }
                return nil
            }
        )
    }
}

extension SocketOption where Value == [UInt8] {
    /// A binary option.
    static func bytes(_ name: String, _ code: Int32, _ access: Access, maximumLength: Int = 255) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .bytes(maximumLength: maximumLength),
            encode: { value throws(OptionValueError) in
                guard value.count <= maximumLength else {
                    throw OptionValueError(reason: "\(value.count) bytes is longer than \(maximumLength)")
                }
                return .bytes(value)
            },
            decode: { raw in
                if case .bytes(let value) = raw { return value }
                return []
            }
        )
    }
}

extension SocketOption where Value == String {
    /// A text option.
    static func string(_ name: String, _ code: Int32, _ access: Access, maximumLength: Int = 255) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .string(maximumLength: maximumLength),
            encode: { value throws(OptionValueError) in
                let bytes = Array(value.utf8)
                guard bytes.count <= maximumLength else {
                    throw OptionValueError(reason: "\(bytes.count) bytes is longer than \(maximumLength)")
                }
                guard !bytes.contains(0) else { throw OptionValueError(reason: "text contains a NUL byte") }
                return .bytes(bytes)
            },
            decode: { raw in
                if case .bytes(let value) = raw { return String(decoding: value, as: UTF8.self) }
                return ""
            }
        )
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
