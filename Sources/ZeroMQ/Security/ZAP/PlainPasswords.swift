#if canImport(FoundationEssentials)
import FoundationEssentials
#elseif canImport(Foundation)
import Foundation
#endif

/// The user names and passwords a PLAIN server accepts.
///
/// From a dictionary, or from a file of `user:password` lines:
///
/// ```text
/// # comments and blank lines are skipped
/// alice:correct horse battery staple
/// bob:s3cret:with:colons
/// ```
///
/// The file format: UTF-8 text, one user per line; a line is split at its **first** colon (so a
/// password may contain colons, a user name may not); lines end at `\n` or `\r\n`; nothing is
/// trimmed (spaces are part of the name or password); lines that are empty or start with `#` are
/// skipped. Passwords are in **clear text**, as PLAIN sends them: hashed htpasswd entries
/// (`$apr1$`, `$2y$`, `{SHA}`, ...) are refused, because a PLAIN server cannot check a hash it
/// would have to compare against a password it never stores. Protect the file like a secret
/// key (mode 0600), and remember that PLAIN sends the password unencrypted: use it only on
/// trusted networks or inside a tunnel.
///
/// Passwords are compared in constant time (time depends only on the lengths), and an unknown
/// user costs the same comparison as a known one. They never appear in ``description``, logs or
/// errors.
public struct PlainPasswords: Sendable, CustomStringConvertible {
    private var passwords: [String: [UInt8]]

    /// The users and their passwords.
    public init(_ passwords: [String: String]) {
        self.passwords = passwords.mapValues { Array($0.utf8) }
    }

    /// Reads a file of `user:password` lines (see the type's description for the format).
    ///
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/invalidArgument``) naming the
    ///   file and the line: a line without a colon, an empty user name, a user listed twice, a
    ///   hashed password, text that is not UTF-8; or the system's error reading the file.
    public init(contentsOfFile path: String) throws(ZeroMQError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ZeroMQError(code: .invalidArgument, operation: "read passwords \(path)", reason: "\(error)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ZeroMQError(code: .invalidArgument, operation: "read passwords \(path)", reason: "the file is not UTF-8 text")
        }
        try self.init(parsing: text, source: path)
    }

    /// Reads `user:password` lines from `text`; `source` names it in errors.
    ///
    /// - Throws: as ``init(contentsOfFile:)``.
    public init(parsing text: String, source: String = "passwords") throws(ZeroMQError) {
        var passwords: [String: [UInt8]] = [:]
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            func failure(_ why: String) -> ZeroMQError {
                ZeroMQError(code: .invalidArgument, operation: "read passwords \(source)", reason: "line \(index + 1): \(why)")
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw failure("no colon: expected user:password")
            }
            let user = String(line[..<colon])
            let password = line[line.index(after: colon)...]
            guard !user.isEmpty else { throw failure("the user name is empty") }
            guard passwords[user] == nil else { throw failure("user \"\(user)\" is listed twice") }
            if Self.hashPrefixes.contains(where: { password.hasPrefix($0) }) {
                throw failure("the password of \"\(user)\" is hashed; PLAIN needs the clear-text password")
            }
            passwords[user] = Array(password.utf8)
        }
        self.passwords = passwords
    }

    private static let hashPrefixes = ["$apr1$", "$2a$", "$2b$", "$2y$", "$1$", "$5$", "$6$", "$y$", "{SHA}", "{SSHA}"]

    /// The user names (not the passwords).
    public var users: [String] { passwords.keys.sorted() }

    /// Whether `password` is `user`'s; constant time in the password's bytes.
    public func check(user: String, password: String) -> Bool {
        check(user: user, passwordBytes: Array(password.utf8))
    }

    /// Whether `given` (a password's bytes, as PLAIN sends them) is `user`'s; constant time.
    func check(user: String, passwordBytes given: [UInt8]) -> Bool {
        guard let expected = passwords[user] else {
            _ = Self.constantTimeEqual(given, given)  // the same work for an unknown user
            return false
        }
        return Self.constantTimeEqual(expected, given)
    }

    /// Whether the two byte strings are equal, reading every byte of the longer one whatever
    /// the contents: time depends only on the lengths.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count) | (lhs.count == rhs.count ? 0 : 1)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    /// `PlainPasswords(2 users)`: never the passwords.
    public var description: String { "PlainPasswords(\(passwords.count) users)" }
}
