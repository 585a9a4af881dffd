import Logging
import ZeroMQSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The public certificates of the clients a CURVE server lets in: an allow-list of keys, loaded
/// from a directory of `.key` files and reloadable while the server runs.
///
/// ```swift
/// let allowed = try CertificateStore(directory: "/etc/echo/clients")
/// allowed.contains(clientKey)             // is this key allowed?
/// allowed.certificate(for: clientKey)?.metadata["name"]
/// try allowed.reload()                    // after adding or removing files
/// ```
///
/// The directory holds one public certificate per client, as czmq and pyzmq write them
/// (`NAME.key`; see ``Certificate``). Only files whose names end in `.key` are read, as pyzmq
/// reads them: secret files (`.key_secret`) and anything else are skipped, and of a `.key`
/// file only the public part is kept. Hidden files (names starting with `.`) are skipped.
///
/// Thread-safe: lookups take a lock for a dictionary access, so the store can be asked from
/// any thread or task, including an authenticator's callback, while another reloads it.
public final class CertificateStore: Sendable, CustomStringConvertible {
    /// The directory the certificates come from; `nil` for a store made from a list.
    public let directory: String?
    private let logger: Logger
    private let certificates: Lock<[CurvePublicKey: Certificate]>

    /// Loads every `.key` file of `directory`.
    ///
    /// - Parameters:
    ///   - directory: the directory of public certificates.
    ///   - logger: where reloads are logged (info) and skipped files (debug). Default: a
    ///     logger labelled `zeromq.security` from the process's `LoggingSystem`.
    /// - Throws: ``SecurityError`` naming the directory when it cannot be read, or the first
    ///   file that is not a valid certificate, with its line.
    public init(directory: String, logger: Logger = Logger(label: "zeromq.security")) throws(SecurityError) {
        self.directory = directory
        self.logger = logger
        self.certificates = Lock(try Self.load(directory, logger: logger))
    }

    /// A store holding `certificates` (their public parts), for keys kept elsewhere than in
    /// files. ``reload()`` does nothing on it; ``replaceAll(with:)`` changes it.
    public init(certificates: some Sequence<Certificate>, logger: Logger = Logger(label: "zeromq.security")) {
        self.directory = nil
        self.logger = logger
        var table: [CurvePublicKey: Certificate] = [:]
        for certificate in certificates { table[certificate.publicKey] = certificate.publicCertificate }
        self.certificates = Lock(table)
    }

    /// Reads the directory again and replaces the store's certificates with what is there now,
    /// all at once: a lookup sees the old set or the new one.
    ///
    /// When the directory cannot be read or a file is not a valid certificate, the store keeps
    /// its current certificates and this throws (a half-read allow-list would drop keys that
    /// are still allowed, or let a broken file go unnoticed).
    ///
    /// - Returns: the keys added and removed by this reload.
    /// - Throws: ``SecurityError`` as ``init(directory:logger:)`` does.
    @discardableResult
    public func reload() throws(SecurityError) -> (added: Set<CurvePublicKey>, removed: Set<CurvePublicKey>) {
        guard let directory else { return ([], []) }
        let fresh = try Self.load(directory, logger: logger)
        let old = certificates.withLock { table in
            defer { table = fresh }
            return Set(table.keys)
        }
        let new = Set(fresh.keys)
        let change = (added: new.subtracting(old), removed: old.subtracting(new))
        logger.info(
            "certificate store reloaded",
            metadata: [
                "zmq.directory": "\(directory)", "zmq.certificates": "\(new.count)",
                "zmq.added": "\(change.added.count)", "zmq.removed": "\(change.removed.count)",
            ]
        )
        return change
    }

    /// Replaces the store's certificates with `certificates` (their public parts), all at once.
    public func replaceAll(with certificates: some Sequence<Certificate>) {
        var table: [CurvePublicKey: Certificate] = [:]
        for certificate in certificates { table[certificate.publicKey] = certificate.publicCertificate }
        self.certificates.withLock { $0 = table }
    }

    /// Whether `key` is one of the store's public keys.
    public func contains(_ key: CurvePublicKey) -> Bool {
        certificates.withLock { $0[key] != nil }
    }

    /// The certificate (with its metadata) of `key`, or `nil` when the store does not have it.
    public func certificate(for key: CurvePublicKey) -> Certificate? {
        certificates.withLock { $0[key] }
    }

    /// Every public key in the store.
    public var publicKeys: Set<CurvePublicKey> {
        certificates.withLock { Set($0.keys) }
    }

    /// How many certificates the store holds.
    public var count: Int {
        certificates.withLock { $0.count }
    }

    /// `CertificateStore(DIRECTORY, N certificates)`.
    public var description: String {
        "CertificateStore(\(directory ?? "in memory"), \(count) certificates)"
    }

    /// The certificates of `directory`'s `.key` files, by public key.
    static func load(_ directory: String, logger: Logger) throws(SecurityError) -> [CurvePublicKey: Certificate] {
        var table: [CurvePublicKey: Certificate] = [:]
        for name in try fileNames(in: directory).sorted() {
            guard name.hasSuffix(".key"), !name.hasPrefix(".") else {
                logger.debug("certificate store skips a file", metadata: ["zmq.file": "\(directory)/\(name)"])
                continue
            }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let certificate = try Certificate(contentsOfFile: path, logger: logger)
            table[certificate.publicKey] = certificate.publicCertificate
        }
        return table
    }

    private static func fileNames(in directory: String) throws(SecurityError) -> [String] {
        guard let stream = opendir(directory) else {
            throw SecurityError(
                code: .fileAccess, reason: "cannot read the certificate directory", file: directory, errno: errno
            )
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
