import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): the building blocks
// of the catalog: value checks and conversions shared by its options.

// MARK: - Building blocks used only by this catalog

/// Converts a duration to libzmq's whole milliseconds, rejecting negative and too long values.
func encodeMilliseconds(_ value: Duration, maximum: Int64) throws(OptionValueError) -> RawOptionValue {
    guard value >= .zero else { throw OptionValueError(reason: "\(value) is negative") }
    let millis = value.wholeMilliseconds
    guard millis <= maximum else {
        throw OptionValueError(reason: "\(value) is longer than \(maximum) ms")
    }
    return .int32(Int32(millis))
}

extension SocketOption where Value == [UInt8] {
    /// A binary option whose length must lie in `lengths`.
    static func boundedBytes(
        _ name: String, _ code: Int32, _ access: Access, lengths: ClosedRange<Int>, readLength: Int
    ) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .bytes(maximumLength: readLength),
            encode: { value throws(OptionValueError) in
                guard lengths.contains(value.count) else {
                    throw OptionValueError(
                        reason: "\(value.count) bytes is outside \(lengths.lowerBound)...\(lengths.upperBound) bytes"
                    )
                }
                return .bytes(value)
            },
            decode: { raw in
                if case .bytes(let value) = raw { return value }
                return []
            }
        )
    }

    /// A CURVE key: written as 32 binary bytes or 40 Z85 characters (sent to libzmq with a
    /// trailing NUL, its preferred form); read back as 32 binary bytes.
    ///
    /// libzmq returns a key only into a buffer of exactly 32 bytes (binary) or 41 bytes (Z85
    /// text and NUL). Reading asks for text (40 characters plus NUL) and decodes it here.
    static func curveKey(_ name: String, _ code: Int32) -> Self {
        SocketOption(
            name: name, code: code, access: .readWrite, kind: .string(maximumLength: CurvePublicKey.z85Length),
            encode: { key throws(OptionValueError) in
                switch key.count {
                case 32:
                    return .bytes(key)
                case CurvePublicKey.z85Length:
                    guard case .success = Z85Codec.decode(String(decoding: key, as: UTF8.self)) else {
                        throw OptionValueError(reason: "the 40-character key is not valid Z85 text")
                    }
                    return .bytes(key + [0])
                default:
                    throw OptionValueError(
                        reason: "a CURVE key is 32 binary bytes or 40 Z85 characters, not \(key.count) bytes"
                    )
                }
            },
            decode: { raw in
                guard case .bytes(var text) = raw else { return [] }
                if text.last == 0 { text.removeLast() }
                return (try? Z85Codec.decode(String(decoding: text, as: UTF8.self)).get()) ?? []
            }
        )
    }
}

extension SocketOption where Value == Duration? {
    /// An `int` option in whole seconds where `-1` means "leave the OS default", written as
    /// `nil`. Values below one second are rejected; fractions of a second are dropped.
    static func optionalSeconds(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard let value else { return .int32(-1) }
                guard value >= .seconds(1) else {
                    throw OptionValueError(reason: "\(value) is shorter than 1 second; use nil for the OS default")
                }
                let seconds = value.components.seconds
                guard seconds <= Int64(Int32.max) else { throw OptionValueError(reason: "\(value) is too long") }
                return .int32(Int32(seconds))
            },
            decode: { raw in
                if case .int32(let value) = raw, value >= 0 { return .seconds(Int64(value)) }
                return nil
            }
        )
    }
}

extension SocketOption where Value == UInt32 {
    /// A 32-bit unsigned option (`uid_t`, `gid_t`), passed to libzmq as 4 bytes.
    static func unsigned32(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in .int32(Int32(bitPattern: value)) },
            decode: { raw in
                if case .int32(let value) = raw { return UInt32(bitPattern: value) }
                return 0
            }
        )
    }
}
