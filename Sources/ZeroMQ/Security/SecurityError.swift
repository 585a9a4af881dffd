#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the security layer's own work: parsing a CURVE key, reading or writing a
/// certificate file, loading a certificate store.
///
/// It says what is wrong and where: for a key, the character and its position (or the length);
/// for a file, the file and the line. It never contains a secret key, not even a part of one.
///
/// ```
/// CURVE public key: character 17 of 40 is '~', which is not in the Z85 alphabet
/// /etc/keys/server.key_secret:7: secret-key is 39 characters; a CURVE key in Z85 is 40
/// ```
///
/// Socket operations (``Socket/setSecurity(_:)``) report their failures as ``ZeroMQError``.
/// Compare errors by ``code``; new codes may be added without breaking source compatibility.
public struct SecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidKey
            case keyMismatch
            case invalidCertificate
            case fileAccess
            case curveUnavailable
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A CURVE key is malformed: wrong length, or a character outside the Z85 alphabet.
        public static let invalidKey = Code(.invalidKey)
        /// A public key and a secret key were given together but do not belong together.
        public static let keyMismatch = Code(.keyMismatch)
        /// A certificate file is not valid ZPL, or lacks a key it must have.
        public static let invalidCertificate = Code(.invalidCertificate)
        /// A file or directory could not be read or written; ``SecurityError/errno`` says why.
        public static let fileAccess = Code(.fileAccess)
        /// This libzmq was built without CURVE (no libsodium), so keys cannot be made or derived.
        public static let curveUnavailable = Code(.curveUnavailable)

        public var description: String {
            switch base {
            case .invalidKey: "invalid key"
            case .keyMismatch: "key mismatch"
            case .invalidCertificate: "invalid certificate"
            case .fileAccess: "file access"
            case .curveUnavailable: "CURVE unavailable"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// Why it failed, as a sentence. Never contains a secret key.
    public var reason: String
    /// The file involved, when there was one.
    public var file: String?
    /// The line of ``file`` (counting from 1) where the problem is, when it is about a line.
    public var line: Int?
    /// The errno value the system reported, when there was one.
    public var errno: Int32?

    /// Creates an error value. The library makes its own; this initializer exists for layers
    /// built on top (and for tests) that need the same error shape.
    public init(code: Code, reason: String, file: String? = nil, line: Int? = nil, errno: Int32? = nil) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
        self.errno = errno
    }

    /// The symbolic name of ``errno`` (`ENOENT`, `EACCES`, ...), when there is one.
    public var errnoName: String? { errno.map(ErrnoName.name(of:)) }

    /// `FILE:LINE: reason`, `FILE: reason (ENAME: message)`, or just the reason.
    public var description: String {
        var text = ""
        if let file {
            text += file
            if let line { text += ":\(line)" }
            text += ": "
        }
        text += reason
        if let errno, let errnoName {
            text += " (\(errnoName): \(String(cString: strerror(errno))))"
        }
        return text
    }
}
