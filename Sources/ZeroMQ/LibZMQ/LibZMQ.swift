import CZeroMQ

/// Facts about the libzmq this program runs with.
///
/// ```swift
/// print(LibZMQ.version)             // 4.3.4
/// if LibZMQ.has(.curve) { ... }
/// ```
public enum LibZMQ {
    /// A libzmq version number.
    public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The major version (4 for libzmq 4.3.4).
        public var major: Int
        /// The minor version.
        public var minor: Int
        /// The patch level.
        public var patch: Int

        /// Creates a version from its three parts.
        public init(major: Int, minor: Int, patch: Int) {
            self.major = major
            self.minor = minor
            self.patch = patch
        }

        public static func < (lhs: Version, rhs: Version) -> Bool {
            (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }

        /// `major.minor.patch`.
        public var description: String { "\(major).\(minor).\(patch)" }
    }

    /// An optional feature libzmq may have been built with (`zmq_has`).
    public struct Capability: Sendable, Hashable, CustomStringConvertible {
        /// The name `zmq_has` knows it by.
        public let name: String

        /// Names a capability; the constants below cover every one libzmq 4.3 reports.
        public init(_ name: String) { self.name = name }

        /// The ipc:// transport (Unix domain sockets).
        public static let ipc = Capability("ipc")
        /// The pgm:// and epgm:// reliable multicast transports (OpenPGM).
        public static let pgm = Capability("pgm")
        /// The tipc:// transport.
        public static let tipc = Capability("tipc")
        /// The norm:// multicast transport.
        public static let norm = Capability("norm")
        /// The vmci:// transport.
        public static let vmci = Capability("vmci")
        /// The CURVE security mechanism.
        public static let curve = Capability("curve")
        /// The GSSAPI security mechanism.
        public static let gssapi = Capability("gssapi")
        /// libzmq's DRAFT API (not available from Debian's libzmq3-dev).
        public static let draft = Capability("draft")

        /// Every capability named above.
        public static let all: [Capability] = [.ipc, .pgm, .tipc, .norm, .vmci, .curve, .gssapi, .draft]

        public var description: String { name }
    }

    /// The version of the libzmq library loaded at run time.
    public static var version: Version {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return Version(major: Int(major), minor: Int(minor), patch: Int(patch))
    }

    /// Whether libzmq was built with `capability`.
    public static func has(_ capability: Capability) -> Bool {
        zmq_has(capability.name) != 0
    }

    /// The capabilities this libzmq has.
    public static var capabilities: Set<Capability> {
        Set(Capability.all.filter(has))
    }
}
