// The fuzz target of CURVE key and certificate parsing (`fuzz-certificates`): what it feeds the
// parsers and the properties it checks. Used twice, like FuzzTargets.swift: by the libFuzzer
// executable of the package in Tests/Fuzz (module FuzzHarness) and by the normal suite's corpus
// replay (Tests/ZeroMQTests/Security/CertificateFuzzTarget.swift is a symbolic link to this
// file). Only `ZeroMQ` is needed, so the replay lives in ZeroMQTests.

@testable import ZeroMQ

/// Key and certificate parsing under random input: a `SecurityError` with a reason every time
/// the input is wrong, never a crash, and never a secret key in an error or a description.
///
/// The first byte picks what the rest of the input is (`byte % 3`):
///
/// - 0, a certificate file: `Certificate(parsing:)`. A certificate parsed is written again
///   (when its metadata can be) and must parse back to itself; an error names the file, its
///   line lies within the input, and a 40-character `secret-key` value never appears in it.
/// - 1, Z85 text: `CurvePublicKey(z85:)` and `CurveSecretKey(z85:)`. A key parsed must print
///   back to the same text, and its bytes make the same key; raw bytes of any length too.
/// - 2, edits of a known secret key (truncate, replace, insert, delete; two bytes each), parsed
///   as a key and inside a certificate: no 6-character run of the known key ever appears in an
///   error or a description.
public enum CertificateFuzzTarget {
    /// The executable's and the corpus directory's name.
    public static let name = "certificates"

    /// A property that did not hold.
    public struct Failure: Error, CustomStringConvertible {
        /// What did not hold.
        public var property: String
        /// The input, as text (lossy).
        public var input: String

        public var description: String { "\(CertificateFuzzTarget.name): \(property) for \(input.debugDescription)" }
    }

    /// The secret key mode 2 edits (RFC 26's example server key).
    static let knownSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    static let knownPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

    /// Checks one input; throws when a property does not hold. Anything else going wrong (a
    /// trap, a sanitizer report) is a crash.
    public static func check(_ input: [UInt8]) throws(Failure) {
        guard let mode = input.first else { return }
        let rest = Array(input.dropFirst())
        func expect(_ condition: Bool, _ property: @autoclosure () -> String) throws(Failure) {
            guard condition else { throw Failure(property: property(), input: String(decoding: input, as: UTF8.self)) }
        }
        switch mode % 3 {
        case 0: try checkCertificate(rest, expect)
        case 1: try checkKeyText(rest, expect)
        default: try checkEditedSecret(rest, expect)
        }
    }

    /// Runs ``check(_:)`` and traps on a failure: the libFuzzer entry point's body.
    public static func fuzz(_ input: UnsafeRawBufferPointer) {
        do {
            try check(Array(input))
        } catch {
            fatalError("\(error)")
        }
    }

    typealias Expect = (Bool, @autoclosure () -> String) throws(Failure) -> Void

    /// The parser's result as a value, so that the checks' own throws stay apart.
    static func attempt<T>(_ body: () throws(SecurityError) -> T) -> Result<T, SecurityError> {
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    private static func checkCertificate(_ text: [UInt8], _ expect: Expect) throws(Failure) {
        let lines = text.count(where: { $0 == 0x0A }) + 1
        // The 40-character secret-key values in the text, to look for in errors.
        let secrets = ((try? ZPL.parse(text)) ?? [])
            .filter { $0.path == ["curve", "secret-key"] && $0.value.count == 40 }.map(\.value)
        switch attempt({ () throws(SecurityError) in try Certificate(parsing: text, file: "fuzz.key") }) {
        case .success(let certificate):
            try expect(!certificate.description.contains(certificate.secretKey?.z85 ?? "\u{0}"), "the description holds the secret key")
            for value in secrets { try expect(!certificate.description.contains(value), "the description holds a secret-key value") }
            let written = attempt { () throws(SecurityError) in
                if let secret = try certificate.secretFileText() { return secret }
                return try certificate.publicFileText()
            }
            switch written {
            case .success(let text):
                let again = try? Certificate(parsing: Array(text.utf8), file: "again.key")
                try expect(again == certificate, "what the writer made does not parse back to the same certificate")
            case .failure(let error):
                try expect(error.code == .invalidCertificate, "a write error is invalidCertificate, not \(error.code)")
                try expect(!error.reason.isEmpty, "a write error has a reason")
            }
        case .failure(let error):
            try expect(error.file == "fuzz.key", "the error does not name the file")
            try expect(!error.reason.isEmpty, "the error has no reason")
            try expect([.invalidCertificate, .invalidKey, .keyMismatch].contains(error.code), "unexpected code \(error.code)")
            if let line = error.line { try expect(line >= 1 && line <= lines, "line \(line) is outside 1...\(lines)") }
            for value in secrets { try expect(!error.description.contains(value), "the error holds a secret-key value") }
        }
    }

    private static func checkKeyText(_ bytes: [UInt8], _ expect: Expect) throws(Failure) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch attempt({ () throws(SecurityError) in try CurvePublicKey(z85: text) }) {
        case .success(let key):
            try expect(key.z85 == text, "a parsed public key prints as other text")
            try expect((try? CurvePublicKey(bytes: key.bytes)) == key, "a public key's bytes make another key")
        case .failure(let error):
            try expect(error.code == .invalidKey && error.reason.hasPrefix("CURVE public key: "), "unexpected public key error \(error)")
        }
        switch attempt({ () throws(SecurityError) in try CurveSecretKey(z85: text) }) {
        case .success(let key):
            try expect(key.z85 == text, "a parsed secret key prints as other text")
            try expect(!key.description.contains(text), "a secret key's description holds the key")
        case .failure(let error):
            try expect(error.code == .invalidKey && error.reason.hasPrefix("CURVE secret key: "), "unexpected secret key error \(error)")
            if text.count == 40 { try expect(!error.description.contains(text), "the error repeats a 40-character secret key") }
        }
        let publicFromBytes = try? CurvePublicKey(bytes: bytes)
        try expect((publicFromBytes != nil) == (bytes.count == 32), "raw bytes of length \(bytes.count) accepted wrongly")
        let secretFromBytes = try? CurveSecretKey(bytes: bytes)
        try expect((secretFromBytes != nil) == (bytes.count == 32), "raw secret bytes of length \(bytes.count) accepted wrongly")
    }

    private static func checkEditedSecret(_ edits: [UInt8], _ expect: Expect) throws(Failure) {
        var key = Array(knownSecret.utf8)
        var index = 0
        while index + 1 < edits.count {
            let operation = edits[index], argument = edits[index + 1]
            index += 2
            switch operation % 4 {
            case 0: key = Array(key.prefix(Int(argument) % 41))
            case 1: if !key.isEmpty { key[Int(argument) % key.count] = operation }
            case 2: key.insert(argument, at: key.isEmpty ? 0 : Int(operation) % (key.count + 1))
            default: if !key.isEmpty { key.remove(at: Int(argument) % key.count) }
            }
        }
        let text = String(decoding: key, as: UTF8.self)
        let known = Array(knownSecret)
        func leaks(_ output: String) -> Bool {
            (0...(known.count - 6)).contains { output.contains(String(known[$0..<$0 + 6])) }
        }
        switch attempt({ () throws(SecurityError) in try CurveSecretKey(z85: text) }) {
        case .success(let secret):
            try expect(!leaks(secret.description) && !leaks(secret.debugDescription), "a secret key's description shows it")
        case .failure(let error):
            try expect(!leaks(error.description), "a secret key error shows part of the key: \(error)")
        }
        let file = "curve\n    public-key = \"\(knownPublic)\"\n    secret-key = \"\(text)\"\n"
        switch attempt({ () throws(SecurityError) in try Certificate(parsing: Array(file.utf8), file: "edited.key_secret") }) {
        case .success(let certificate):
            try expect(!leaks(certificate.description), "a certificate's description shows the secret key")
        case .failure(let error):
            try expect(!leaks(error.description), "a certificate error shows part of the secret key: \(error)")
        }
    }
}
