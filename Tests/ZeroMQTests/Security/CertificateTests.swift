import Foundation
import Logging
import Testing
import ZeroMQTestSupport

@testable import ZeroMQ

/// A fresh directory under the test process's temporary directory.
func makeCertificateDirectory() throws -> String {
    let path = "\(TemporaryDirectory.shared.path)/certs-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The permission bits of `path`.
func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("Certificates: ZPL files as czmq and pyzmq write them", .timeLimit(.minutes(2)))
struct CertificateTests {
    static let rfcPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let rfcSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    @Test("a secret certificate written and read back is the same, with metadata of every kind")
    func roundTrip() throws {
        let directory = try makeCertificateDirectory()
        let metadata = ["name": "echo server", "quote": "say \"hi\"", "apostrophe": "it's", "empty": "",
                        "hash": "a#b", "unicode": "Grüße ✓", "x.y-z_1@$&+/w": "odd name"]
        let certificate = Certificate(keys: try .generate(), metadata: metadata)
        let paths = try certificate.write(to: "\(directory)/server")
        #expect(paths.publicFile == "\(directory)/server.key")
        #expect(paths.secretFile == "\(directory)/server.key_secret")

        let secret = try Certificate(contentsOfFile: "\(directory)/server.key_secret")
        #expect(secret == certificate)
        #expect(secret.keys?.secretKey == certificate.secretKey)
        #expect(secret.metadata == metadata)

        let publicOnly = try Certificate(contentsOfFile: "\(directory)/server.key")
        #expect(publicOnly.secretKey == nil)
        #expect(publicOnly == certificate.publicCertificate)
        #expect(publicOnly.metadata == metadata)
        // The public file does not hold the secret key in any form.
        let publicText = try String(contentsOfFile: "\(directory)/server.key", encoding: .utf8)
        #expect(!publicText.contains(certificate.secretKey?.z85 ?? "?"))
        #expect(!publicText.contains("secret-key"))
    }

    @Test("a key pair loads from a secret certificate; a public one is refused, naming the file")
    func keyPairFromFile() throws {
        let directory = try makeCertificateDirectory()
        let keys = try CurveKeyPair.generate()
        try Certificate(keys: keys).write(to: "\(directory)/server")
        #expect(try CurveKeyPair(contentsOfFile: "\(directory)/server.key_secret") == keys)

        let error = #expect(throws: SecurityError.self) {
            try CurveKeyPair(contentsOfFile: "\(directory)/server.key")
        }
        #expect(error?.code == .invalidCertificate)
        #expect(error?.file == "\(directory)/server.key")
        #expect(error?.description.contains("holds no secret key") == true)
    }

    @Test("the files' layout: 4-space indents, every value quoted, metadata before curve")
    func layout() throws {
        let keys = try CurveKeyPair(secretKey: CurveSecretKey(z85: Self.rfcSecret))
        let certificate = Certificate(keys: keys, metadata: ["name": "a", "quote": "say \"hi\""])
        let text = try #require(try certificate.secretFileText())
        let body = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(body == [
            "metadata",
            "    name = \"a\"",
            "    quote = 'say \"hi\"'",
            "curve",
            "    public-key = \"\(Self.rfcPublic)\"",
            "    secret-key = \"\(Self.rfcSecret)\"",
        ])
        #expect(try certificate.publicFileText().contains("ZeroMQ CURVE Public Certificate"))
        #expect(text.contains("ZeroMQ CURVE **Secret** Certificate"))
        #expect(try certificate.publicCertificate.secretFileText() == nil)
    }

    @Test("the secret file is created 0600, and stays 0600 when it replaces a 0644 file")
    func secretFileMode() throws {
        let directory = try makeCertificateDirectory()
        let certificate = Certificate(keys: try .generate())
        try certificate.write(to: "\(directory)/a")
        #expect(try fileMode("\(directory)/a.key_secret") == 0o600)
        let umask = Self.currentUmask()
        #expect(try fileMode("\(directory)/a.key") == 0o644 & ~umask)
        // An old secret file readable by all: replaced by a new 0600 file, not rewritten in place.
        try "old".write(toFile: "\(directory)/b.key_secret", atomically: false, encoding: .utf8)
        chmod("\(directory)/b.key_secret", 0o644)
        try certificate.write(to: "\(directory)/b")
        #expect(try fileMode("\(directory)/b.key_secret") == 0o600)
        #expect(try Certificate(contentsOfFile: "\(directory)/b.key_secret") == certificate)
        // No temporary file left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["a.key", "a.key_secret", "b.key", "b.key_secret"])
    }

    /// The process's umask, read from /proc (calling umask() to read it would change it for a
    /// moment under the tests running beside this one).
    static func currentUmask() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { Int($0.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }

    @Test("reading a secret file that others can read logs a warning naming it; 0600 and public files do not")
    func permissionWarning() throws {
        let directory = try makeCertificateDirectory()
        let certificate = Certificate(keys: try .generate())
        try certificate.write(to: "\(directory)/c")

        let (quiet, quietRecords) = CapturingLogHandler.logger()
        _ = try Certificate(contentsOfFile: "\(directory)/c.key_secret", logger: quiet)
        chmod("\(directory)/c.key", 0o644)
        _ = try Certificate(contentsOfFile: "\(directory)/c.key", logger: quiet)
        #expect(quietRecords.all.isEmpty)

        chmod("\(directory)/c.key_secret", 0o644)
        let (logger, records) = CapturingLogHandler.logger()
        let read = try Certificate(contentsOfFile: "\(directory)/c.key_secret", logger: logger)
        #expect(read == certificate)
        let warnings = records.all.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("readable or writable by other users") == true)
        #expect(warnings.first?.metadata["zmq.file"] == "\(directory)/c.key_secret")
        #expect(warnings.first?.metadata["zmq.mode"] == "0644")
        let logged = records.all.map { "\($0.message) \($0.metadata)" }.joined()
        #expect(!logged.contains(certificate.secretKey?.z85 ?? "?"))

        chmod("\(directory)/c.key_secret", 0o640)
        let (groupLogger, groupRecords) = CapturingLogHandler.logger()
        _ = try Certificate(contentsOfFile: "\(directory)/c.key_secret", logger: groupLogger)
        #expect(groupRecords.all.filter { $0.level == .warning }.map { $0.metadata["zmq.mode"] } == ["0640"])
    }

    @Test("files as czmq 4.2 and pyzmq write them parse, with their comments and unquoted metadata")
    func foreignLayouts() throws {
        let czmq = """
            #   ****  Generated on 2026-12-03 19:48:12 by CZMQ  ****
            #   ZeroMQ CURVE **Secret** Certificate
            #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

            metadata
                name = "my server"
                email = 'ops@example.com'
            curve
                public-key = "\(Self.rfcPublic)"
                secret-key = "\(Self.rfcSecret)"

            """
        let fromCzmq = try Certificate(parsing: Array(czmq.utf8))
        #expect(fromCzmq.publicKey.z85 == Self.rfcPublic)
        #expect(fromCzmq.secretKey?.z85 == Self.rfcSecret)
        #expect(fromCzmq.metadata == ["name": "my server", "email": "ops@example.com"])

        // pyzmq: metadata values unquoted (up to a '#', spaces around trimmed), an empty metadata
        // section, CRLF line ends, a BOM and trailing comments tolerated too.
        let pyzmq = "\u{FEFF}#   ****  Generated on 2026-12-03 19:48:12.1 by pyzmq  ****\r\n\r\nmetadata\r\n"
            + "    owner = Jane Doe   # the owner\r\n    team=infra\r\ncurve\r\n"
            + "    public-key = \"\(Self.rfcPublic)\"   # the key\r\n"
        let fromPyzmq = try Certificate(parsing: Array(pyzmq.utf8))
        #expect(fromPyzmq.publicKey.z85 == Self.rfcPublic)
        #expect(fromPyzmq.secretKey == nil)
        #expect(fromPyzmq.metadata == ["owner": "Jane Doe", "team": "infra"])
    }

    static let malformed: [(String, Int?, String)] = [
        ("metadata\ncurve\n\tpublic-key = \"\(rfcPublic)\"\n", 3,
         "indented with a tab; ZPL indents by 4 spaces per level"),
        ("curve\n  public-key = \"\(rfcPublic)\"\n", 2, "indented by 2 spaces; ZPL indents by 4 spaces per level"),
        ("curve\n        public-key = \"\(rfcPublic)\"\n", 2,
         "indented 2 levels deep under a line 1 deep; one level more at most"),
        ("curve\n    public-key = \"\(rfcPublic)\n", 2, "the value of public-key has no closing \""),
        ("curve\n    public-key = \"\(rfcPublic)\" x\n", 2, "unexpected 'x' after the quoted value of public-key"),
        ("curve\n    public-key \"\(rfcPublic)\"\n", 2, "unexpected '\"' after the name public-key"),
        ("curve\n    = \"\(rfcPublic)\"\n", 2, "expected a name (letters, digits and $-_@.&+/), found '='"),
        ("/curve\n", 1, "the name at column 1 starts or ends with '/'"),
        // Only well-known names are shown: a damaged secret file's "name" may be its secret key.
        ("curve\n    \(rfcSecret)\n", 2, "unexpected '%' after the name at column 5"),
        ("curve\n    public-key = \"\(rfcPublic)\"\n    secret-key=\"\(rfcSecret)\"\n    \(rfcSecret.prefix(6)) = 'x\n", 4,
         "the value after the name at column 5 has no closing '"),
        ("metadata\n    name = \"a\"\n", nil,
         "no curve/public-key: a certificate has a `curve` section with `public-key = \"<40 Z85 characters>\"`"),
        ("", nil, "no curve/public-key: a certificate has a `curve` section with `public-key = \"<40 Z85 characters>\"`"),
        // Unquoted, a key with a '#' ends at the '#': why keys are always written quoted.
        ("curve\n    public-key = N{{+HR75{w^#0IW8!UcijE{UrHwZWao+Hh#t{Lsd\n", 2,
         "CURVE public key: 11 characters; a CURVE key in Z85 is 40"),
        ("curve\n    public-key = \"\(rfcPublic.dropLast())\"\n", 2, "CURVE public key: 39 characters; a CURVE key in Z85 is 40"),
        ("curve\n    public-key = \"\(rfcPublic)\"\n    public-key = \"\(rfcPublic)\"\n", 3,
         "a second curve/public-key (the first is on line 2)"),
    ]

    @Test("malformed files are refused with the file, the line and what is wrong", arguments: malformed)
    func malformedFiles(text: String, line: Int?, reason: String) {
        let error = #expect(throws: SecurityError.self) { try Certificate(parsing: Array(text.utf8), file: "x.key") }
        #expect(error?.file == "x.key")
        #expect(error?.line == line)
        #expect(error?.reason == reason)
        #expect(error?.description == "x.key\(line.map { ":\($0)" } ?? ""): \(reason)")
    }

    @Test("bytes that are not UTF-8, and NUL bytes, are errors with their line")
    func binaryInput() {
        let notUTF8: [UInt8] = Array("curve\n    public-key = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)
        let first = #expect(throws: SecurityError.self) { try Certificate(parsing: notUTF8, file: "f") }
        #expect(first?.description == "f:2: the value of public-key is not UTF-8 text")
        let nul: [UInt8] = Array("metadata\ncurve\0\n".utf8)
        let second = #expect(throws: SecurityError.self) { try Certificate(parsing: nul, file: "f") }
        #expect(second?.description == "f:2: the line contains a NUL byte")
    }

    @Test("a bad secret key is reported by line and position, never echoed; a mismatched pair is refused")
    func badSecretKey() throws {
        let badSecret = String(Self.rfcSecret.prefix(20)) + "~" + String(Self.rfcSecret.dropFirst(21))
        let text = "curve\n    public-key = \"\(Self.rfcPublic)\"\n    secret-key = \"\(badSecret)\"\n"
        let error = #expect(throws: SecurityError.self) { try Certificate(parsing: Array(text.utf8), file: "s.key_secret") }
        #expect(error?.code == .invalidKey)
        #expect(error?.description == "s.key_secret:3: CURVE secret key: character 21 of 40 is '~', which is not in the Z85 alphabet")

        let other = try CurveKeyPair.generate()
        let mismatched = "curve\n    public-key = \"\(Self.rfcPublic)\"\n    secret-key = \"\(other.secretKey.z85)\"\n"
        let mismatch = #expect(throws: SecurityError.self) { try Certificate(parsing: Array(mismatched.utf8), file: "m") }
        #expect(mismatch?.code == .keyMismatch)
        #expect(mismatch?.line == 3)
        #expect(mismatch?.description.contains(other.secretKey.z85) == false)
    }

    @Test("a missing file and a directory are file-access errors naming the path and errno")
    func fileErrors() throws {
        let directory = try makeCertificateDirectory()
        let missing = #expect(throws: SecurityError.self) { try Certificate(contentsOfFile: "\(directory)/nope.key") }
        #expect(missing?.code == .fileAccess)
        #expect(missing?.description == "\(directory)/nope.key: cannot open the certificate file (ENOENT: No such file or directory)")
        let notFile = #expect(throws: SecurityError.self) { try Certificate(contentsOfFile: directory) }
        #expect(notFile?.description == "\(directory): not a regular file")
        let unwritable = #expect(throws: SecurityError.self) {
            try Certificate(keys: try .generate()).write(to: "\(directory)/no/such/dir/x")
        }
        #expect(unwritable?.code == .fileAccess)
        #expect(unwritable?.errnoName == "ENOENT")
    }

    @Test(
        "metadata that ZPL or pyzmq's reader cannot hold is refused before anything is written",
        arguments: [
            (["bad name": "x"], "the metadata name \"bad name\" is not a ZPL name (letters, digits and $-_@.&+/, not starting or ending with '/')"),
            (["": "x"], "the metadata name \"\" is not a ZPL name (letters, digits and $-_@.&+/, not starting or ending with '/')"),
            (["public-key-owner": "x"], "the metadata name public-key-owner begins like a key line; pyzmq's reader would take it for the key"),
            (["a": "two\nlines"], "the value of metadata a contains a control character (such as a line break) or both kinds of quote, which ZPL cannot hold"),
            (["a": "both \" and '"], "the value of metadata a contains a control character (such as a line break) or both kinds of quote, which ZPL cannot hold"),
        ]
    )
    func unwritableMetadata(metadata: [String: String], reason: String) throws {
        let directory = try makeCertificateDirectory()
        let error = #expect(throws: SecurityError.self) {
            try Certificate(keys: try .generate(), metadata: metadata).write(to: "\(directory)/m")
        }
        #expect(error?.code == .invalidCertificate)
        #expect(error?.reason == reason)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("a certificate's description shows the public key and metadata, never the secret key")
    func redaction() throws {
        let keys = try CurveKeyPair(secretKey: CurveSecretKey(z85: Self.rfcSecret))
        let certificate = Certificate(keys: keys, metadata: ["name": "a"])
        var dumped = ""
        dump(certificate, to: &dumped)
        for text in [certificate.description, "\(certificate)", String(reflecting: certificate), dumped] {
            #expect(!text.contains(Self.rfcSecret), "secret in \(text)")
        }
        #expect(certificate.description == "Certificate(public: \(Self.rfcPublic), secret: <redacted>, metadata: [name: a])")
        #expect(certificate.publicCertificate.description == "Certificate(public: \(Self.rfcPublic), secret: none, metadata: [name: a])")

        // A metadata value that holds the secret key is redacted too (found by fuzz-certificates).
        let careless = Certificate(keys: keys, metadata: ["note": "backup of \(Self.rfcSecret)", "name": "a"])
        var carelessDump = ""
        dump(careless, to: &carelessDump)
        for text in [careless.description, String(reflecting: careless), carelessDump] {
            #expect(!text.contains(Self.rfcSecret), "secret in \(text)")
        }
        #expect(careless.description.hasSuffix("metadata: [name: a, note: <redacted>])"))
    }

    @Test("a metadata name that begins like a key line is refused on reading, as on writing, without its value")
    func reservedMetadataNames() throws {
        for name in ["secret-key", "public-key", "secret-keys"] {
            let text = "metadata\n    \(name) = \"\(Self.rfcSecret)\"\ncurve\n    public-key = \"\(Self.rfcPublic)\"\n"
            let error = #expect(throws: SecurityError.self) { try Certificate(parsing: Array(text.utf8), file: "r.key") }
            #expect(error?.code == .invalidCertificate)
            #expect(error?.line == 2)
            #expect(error?.description.contains(name) == true)
            #expect(error?.description.contains(Self.rfcSecret) == false)
        }
    }
}

@Suite("CertificateStore: a directory of allowed public keys", .timeLimit(.minutes(2)))
struct CertificateStoreTests {
    @Test("loads the .key files of a directory, skips the rest, and answers lookups")
    func loads() throws {
        let directory = try makeCertificateDirectory()
        let alice = Certificate(keys: try .generate(), metadata: ["name": "alice"])
        let bob = Certificate(keys: try .generate(), metadata: ["name": "bob"])
        let stranger = try CurveKeyPair.generate()
        try alice.write(to: "\(directory)/alice")  // alice.key and alice.key_secret
        try bob.publicCertificate.write(to: "\(directory)/bob")
        try "not a certificate".write(toFile: "\(directory)/README", atomically: true, encoding: .utf8)
        try Certificate(keys: stranger).write(to: "\(directory)/.hidden")

        let store = try CertificateStore(directory: directory)
        #expect(store.count == 2)
        #expect(store.publicKeys == [alice.publicKey, bob.publicKey])
        #expect(store.contains(alice.publicKey))
        #expect(store.contains(bob.publicKey))
        #expect(!store.contains(stranger.publicKey))
        #expect(store.certificate(for: alice.publicKey)?.metadata["name"] == "alice")
        // Only public parts are kept, even of a .key file that held a secret key.
        #expect(store.certificate(for: alice.publicKey)?.secretKey == nil)
        #expect(store.certificate(for: stranger.publicKey) == nil)
        #expect(store.description == "CertificateStore(\(directory), 2 certificates)")
    }

    @Test("reload picks up added and removed files, and reports the change")
    func reload() throws {
        let directory = try makeCertificateDirectory()
        let alice = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        let bob = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        try alice.write(to: "\(directory)/alice")
        let store = try CertificateStore(directory: directory)
        #expect(store.contains(alice.publicKey) && !store.contains(bob.publicKey))

        try bob.write(to: "\(directory)/bob")
        try FileManager.default.removeItem(atPath: "\(directory)/alice.key")
        #expect(store.contains(alice.publicKey))  // not before reload
        let change = try store.reload()
        #expect(change.added == [bob.publicKey])
        #expect(change.removed == [alice.publicKey])
        #expect(!store.contains(alice.publicKey) && store.contains(bob.publicKey))
    }

    @Test("a reload that meets a broken file throws with its name and line, and keeps the old keys")
    func failedReloadKeepsKeys() throws {
        let directory = try makeCertificateDirectory()
        let alice = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        try alice.write(to: "\(directory)/alice")
        let store = try CertificateStore(directory: directory)
        try "curve\n    public-key = \"short\"\n".write(toFile: "\(directory)/broken.key", atomically: true, encoding: .utf8)
        let error = #expect(throws: SecurityError.self) { try store.reload() }
        #expect(error?.file == "\(directory)/broken.key")
        #expect(error?.line == 2)
        #expect(store.contains(alice.publicKey))
        #expect(store.count == 1)

        let missing = #expect(throws: SecurityError.self) { try CertificateStore(directory: "\(directory)/none") }
        #expect(missing?.description == "\(directory)/none: cannot read the certificate directory (ENOENT: No such file or directory)")
    }

    @Test("lookups from many tasks while another reloads see the old set or the new one")
    func concurrentLookups() async throws {
        let directory = try makeCertificateDirectory()
        let alice = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        let bob = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        try alice.write(to: "\(directory)/alice")
        let store = try CertificateStore(directory: directory)
        let inconsistent = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for round in 0..<50 {
                    if round % 2 == 0 {
                        try bob.write(to: "\(directory)/bob")
                    } else {
                        try FileManager.default.removeItem(atPath: "\(directory)/bob.key")
                    }
                    try store.reload()
                    await Task.yield()
                }
                return 0
            }
            for _ in 0..<4 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<2_000 {
                        // alice is in every set; the set is {alice} or {alice, bob}.
                        if !store.contains(alice.publicKey) { bad += 1 }
                        let count = store.count
                        if count != 1 && count != 2 { bad += 1 }
                        await Task.yield()
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(inconsistent == 0)
    }

    @Test("a store made from a list holds public parts only; replaceAll swaps them at once")
    func inMemory() throws {
        let alice = Certificate(keys: try .generate(), metadata: ["name": "alice"])
        let bob = Certificate(publicKey: try CurveKeyPair.generate().publicKey)
        let store = CertificateStore(certificates: [alice])
        #expect(store.certificate(for: alice.publicKey) == alice.publicCertificate)
        let change = try store.reload()
        #expect(change.added.isEmpty && change.removed.isEmpty)
        store.replaceAll(with: [bob])
        #expect(!store.contains(alice.publicKey) && store.contains(bob.publicKey))
        #expect(store.directory == nil)
    }
}
