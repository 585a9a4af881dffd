import ZeroMQ

/// What travels with a request besides its body (version 2 of the wire protocol,
/// Docs/WireProtocol.md, *Call metadata*): the caller's headers and how long it will wait; and,
/// from version 3, what travels back with a reply: the handler's headers.
///
/// On the wire it is one optional frame, the last of the request's envelope (after the request
/// id, before the empty delimiter), or of the reply's:
///
/// ```
/// "ZMD" 0x01                              magic and version (4 bytes)
/// then, per entry:
///   [key length: 1 byte, 1…255] [key: lowercase ASCII letters, digits, '-', '_', '.']
///   [value length: 4 bytes, big-endian] [value: UTF-8]
/// ```
///
/// Keys starting with `zmq-` belong to the protocol: `zmq-timeout-us` is the time the caller
/// waits for this attempt's reply, in microseconds, in decimal. A service of version 1 echoes
/// the frame with the rest of the envelope and ignores it; so does a plain REP server; the
/// client skips it in the reply. `zmq-reply` (empty value, always the first entry) marks the
/// frame a service of version 3 puts in a reply in place of that echo: the handler's headers.
/// `zmq-stream` and `zmq-stream-credit` (version 4) mark the messages of a server stream: see
/// ``Stream``.
struct CallMetadata: Hashable, Sendable {
    /// The caller's own headers, or the handler's in a reply (keys never start with `zmq-`).
    var headers: [String: String]
    /// How long the caller waits for the reply, from when it sent the request.
    var timeout: Duration?
    /// Whether this is a reply's metadata (`zmq-reply`), not a request's.
    var isReply: Bool
    /// What the message is to a server stream (version 4), if it belongs to one.
    var stream: Stream?

    /// Server streaming (version 4, Docs/WireProtocol.md, *Server streaming*): the role of a
    /// message in a stream, in the entries `zmq-stream` (the role's name) and
    /// `zmq-stream-credit` (a count, for the two roles that carry one).
    enum Stream: Hashable, Sendable {
        /// A request (client → service) that asks for a stream of responses; the service may
        /// send `credit` items before the client grants more.
        case open(credit: Int)
        /// Client → service, no body: the caller took items; the service may send `credit` more.
        case credit(Int)
        /// Client → service, no body: the caller stopped listening; the handler is cancelled and
        /// nothing more is sent.
        case cancel
        /// Service → client: one response of the stream (the body follows the delimiter).
        case item
        /// Service → client, no body: the stream ended; every item came before it.
        case end

        /// The value of `zmq-stream`.
        var name: String {
            switch self {
            case .open: "open"
            case .credit: "credit"
            case .cancel: "cancel"
            case .item: "item"
            case .end: "end"
            }
        }

        /// The value of `zmq-stream-credit`, for the roles that carry one.
        var credit: Int? {
            switch self {
            case .open(let credit), .credit(let credit): credit
            case .cancel, .item, .end: nil
            }
        }

        /// Whether the client sends this one after its request, to steer the stream.
        var isControl: Bool {
            switch self {
            case .credit, .cancel: true
            case .open, .item, .end: false
            }
        }
    }

    /// Metadata to send.
    init(headers: [String: String] = [:], timeout: Duration? = nil, isReply: Bool = false, stream: Stream? = nil) {
        self.headers = headers
        self.timeout = timeout
        self.isReply = isReply
        self.stream = stream
    }

    /// The frame's first four bytes: "ZMD" and the format's version, 1.
    static let magic: [UInt8] = [0x5A, 0x4D, 0x44, 0x01]
    /// The key of ``timeout``.
    static let timeoutKey = "zmq-timeout-us"
    /// The key of ``isReply``, with an empty value: the first entry of a reply's metadata.
    static let replyKey = "zmq-reply"
    /// The first bytes of a reply's metadata frame: the magic, then the entry `zmq-reply` with
    /// an empty value.
    static let replyPrefix: [UInt8] = magic + [UInt8(replyKey.utf8.count)] + Array(replyKey.utf8) + [0, 0, 0, 0]
    /// The key of ``stream``'s role.
    static let streamKey = "zmq-stream"
    /// The key of ``stream``'s credit.
    static let streamCreditKey = "zmq-stream-credit"
    /// The most credit one message may grant: 65 536 items.
    static let maximumStreamCredit = 65_536
    /// The prefix of the keys the protocol reserves.
    static let reservedPrefix = "zmq-"
    /// The largest metadata frame either side makes or reads: 64 KiB.
    static let maximumFrameSize = 65_536

    /// Whether `frame` is a metadata frame (by its magic; its entries may still be malformed).
    static func isMetadata(_ frame: Frame) -> Bool {
        frame.count >= magic.count && frame.withUnsafeBytes { $0.starts(with: magic) }
    }

    /// Whether `frame` is a reply's metadata frame (by its first entry, `zmq-reply`), not the
    /// echo of a request's, which a plain REP server or a service of version 2 sends back.
    static func isReplyMetadata(_ frame: Frame) -> Bool {
        frame.count >= replyPrefix.count && frame.withUnsafeBytes { $0.starts(with: replyPrefix) }
    }

    /// Why a set of headers cannot be sent.
    struct InvalidHeader: Error, Hashable, Sendable, CustomStringConvertible {
        var description: String
    }

    /// Checks that `headers` can be sent: keys of 1 to 255 bytes of lowercase ASCII letters,
    /// digits, `-`, `_` and `.`, none starting with `zmq-` (the protocol's own); the frame at
    /// most ``maximumFrameSize`` bytes.
    static func validate(_ headers: [String: String]) throws(InvalidHeader) {
        var size = magic.count + 1 + timeoutKey.utf8.count + 4 + 20
        for (key, value) in headers {
            guard isValidKey(key) else {
                throw InvalidHeader(
                    description: "header key \"\(key)\" must be 1 to 255 lowercase ASCII letters, digits, '-', '_' or '.'"
                )
            }
            guard !key.hasPrefix(reservedPrefix) else {
                throw InvalidHeader(description: "header key \"\(key)\" starts with \"zmq-\", which the protocol reserves")
            }
            size += 1 + key.utf8.count + 4 + value.utf8.count
        }
        guard size <= maximumFrameSize else {
            throw InvalidHeader(description: "the headers take \(size) bytes; at most \(maximumFrameSize) fit in a request")
        }
    }

    /// `bytes` as a string if they are UTF-8, else `nil`. ASCII (every key, and most values:
    /// the timeout, trace contexts) is decoded directly: `String(validating:as:)` is generic,
    /// and looked up type metadata on every call (0.7 % of a typed call's profile).
    static func utf8String(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    static func isValidKey(_ key: String) -> Bool {
        let bytes = key.utf8
        guard (1...255).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }

    /// The frame: the reply marker first (in a reply), then the stream's role and credit, then
    /// the timeout, then the headers in key order (so equal metadata makes equal frames). The headers must have passed
    /// ``validate(_:)``.
    ///
    /// The bytes are written into a buffer on the stack, measured first, so that a frame of up
    /// to 64 bytes (the deadline alone takes 42 at most) is made without an allocation.
    func frame() -> Frame {
        let credit = stream?.credit.map { String($0) }
        let microseconds = timeout.map { String(Self.microseconds($0)) }
        let keys = headers.keys.sorted()
        func forEachEntry(_ body: (_ key: String, _ value: String) -> Void) {
            if let stream {
                body(Self.streamKey, stream.name)
                if let credit { body(Self.streamCreditKey, credit) }
            }
            if let microseconds { body(Self.timeoutKey, microseconds) }
            for key in keys {
                if let value = headers[key] { body(key, value) }
            }
        }
        let prefix = isReply ? Self.replyPrefix : Self.magic
        var size = prefix.count
        forEachEntry { key, value in size += 1 + key.utf8.count + 4 + value.utf8.count }
        return withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { buffer in
            var offset = 0
            func write(_ bytes: some Collection<UInt8>) {
                for byte in bytes {
                    buffer[offset] = byte
                    offset += 1
                }
            }
            write(prefix)
            forEachEntry { key, value in
                write(CollectionOfOne(UInt8(key.utf8.count)))
                write(key.utf8)
                withUnsafeBytes(of: UInt32(value.utf8.count).bigEndian) { write($0) }
                write(value.utf8)
            }
            return Frame(bytes: UnsafeRawBufferPointer(buffer))
        }
    }

    /// A duration in whole microseconds, never negative, rounded down.
    static func microseconds(_ duration: Duration) -> Int64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow, scaled <= .max - 1_000_000 else { return .max }
        return scaled + attoseconds / 1_000_000_000_000
    }

    /// Why a metadata frame could not be read.
    struct Malformed: Error, Hashable, Sendable, CustomStringConvertible {
        var description: String
    }

    /// Reads a metadata frame (one ``isMetadata(_:)`` said yes to).
    ///
    /// Unknown `zmq-` keys are ignored (a later version may add some); a key given twice keeps
    /// its last value. `zmq-reply` marks a reply's metadata wherever it stands (only a frame
    /// that starts with it is read as one: ``isReplyMetadata(_:)``).
    init(parsing frame: Frame) throws(Malformed) {
        guard frame.count <= Self.maximumFrameSize else {
            throw Malformed(description: "the metadata frame has \(frame.count) bytes; at most \(Self.maximumFrameSize) are read")
        }
        let bytes = frame.bytes
        guard bytes.starts(with: Self.magic) else { throw Malformed(description: "no metadata magic") }
        var index = Self.magic.count
        var headers: [String: String] = [:]
        var timeout: Duration?
        var isReply = false
        var streamName: String?
        var streamCredit: String?
        while index < bytes.count {
            let keyLength = Int(bytes[index])
            index += 1
            guard keyLength > 0, bytes.count - index >= keyLength + 4 else {
                throw Malformed(description: "an entry is cut short at byte \(index - 1)")
            }
            let keyBytes = bytes[index..<(index + keyLength)]
            index += keyLength
            let valueLength = bytes[index..<(index + 4)].reduce(0) { ($0 << 8) | Int($1) }
            index += 4
            guard bytes.count - index >= valueLength else {
                throw Malformed(description: "a value of \(valueLength) bytes is cut short at byte \(index)")
            }
            let valueBytes = bytes[index..<(index + valueLength)]
            index += valueLength
            guard let key = Self.utf8String(keyBytes), Self.isValidKey(key) else {
                throw Malformed(description: "a key is not lowercase ASCII letters, digits, '-', '_' or '.'")
            }
            guard let value = Self.utf8String(valueBytes) else {
                throw Malformed(description: "the value of \"\(key)\" is not UTF-8")
            }
            if key == Self.timeoutKey {
                guard let microseconds = Int64(value), microseconds >= 0 else {
                    throw Malformed(description: "\(Self.timeoutKey) is \"\(value.prefix(32))\", not a count of microseconds")
                }
                timeout = .microseconds(microseconds)
            } else if key == Self.replyKey {
                isReply = true
            } else if key == Self.streamKey {
                streamName = value
            } else if key == Self.streamCreditKey {
                streamCredit = value
            } else if !key.hasPrefix(Self.reservedPrefix) {
                headers[key] = value
            }
        }
        self.headers = headers
        self.timeout = timeout
        self.isReply = isReply
        self.stream = try streamName.map { name throws(Malformed) in try Self.stream(named: name, credit: streamCredit) }
    }

    /// The stream role `name` (the value of `zmq-stream`), with the credit the roles `open`
    /// and `credit` must carry: a count from 1 to ``maximumStreamCredit``.
    private static func stream(named name: String, credit: String?) throws(Malformed) -> Stream {
        func count() throws(Malformed) -> Int {
            guard let credit, let count = Int(credit), (1...maximumStreamCredit).contains(count) else {
                throw Malformed(
                    description: "\(streamCreditKey) is \(credit.map { "\"\($0.prefix(32))\"" } ?? "missing"), "
                        + "not a count from 1 to \(maximumStreamCredit)"
                )
            }
            return count
        }
        switch name {
        case "open": return .open(credit: try count())
        case "credit": return .credit(try count())
        case "cancel": return .cancel
        case "item": return .item
        case "end": return .end
        default: throw Malformed(description: "\(streamKey) is \"\(name.prefix(32))\", not a stream role")
        }
    }
}
