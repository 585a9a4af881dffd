import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The key and certificate files the security options and `zmq keygen` read and write, with
/// errors that name the option and the file (never a secret key).
enum Certificates {
    /// The key pair in the secret certificate `path` (`NAME.key_secret`), for `option`.
    static func keyPair(_ path: String, option: String) throws -> CurveKeyPair {
        let certificate: Certificate
        do throws(SecurityError) {
            certificate = try Certificate(contentsOfFile: path)
        } catch {
            throw failure(option, path, error)
        }
        guard let keys = certificate.keys else {
            throw CommandError(
                "\(option) \(path): this is a public certificate (no secret-key); give the NAME.key_secret file")
        }
        return keys
    }

    /// A public key given as 40 characters of Z85 text or as a certificate file, for `option`.
    static func publicKey(_ text: String, option: String) throws -> CurvePublicKey {
        if text.utf8.count == CurvePublicKey.z85Length, !fileExists(text) {
            do {
                return try CurvePublicKey(z85: text)
            } catch {
                throw CommandError("\(option): \(error) (give 40 characters of Z85 text, or a NAME.key file)")
            }
        }
        guard fileExists(text) else {
            throw CommandError(
                "\(option) \(text): no such file, and not a key (a key is 40 characters of Z85 text; a file is NAME.key)")
        }
        do throws(SecurityError) {
            return try Certificate(contentsOfFile: text).publicKey
        } catch {
            throw failure(option, text, error)
        }
    }

    /// The public certificates of the directory `path` (`--allow`).
    static func store(_ path: String) throws -> CertificateStore {
        do throws(SecurityError) {
            return try CertificateStore(directory: path)
        } catch {
            throw failure("--allow", path, error)
        }
    }

    /// Writes `pair` as `NAME.key` and `NAME.key_secret`; refuses to replace existing files
    /// unless `replacing`.
    static func write(_ pair: CurveKeyPair, to name: String, replacing: Bool) throws {
        if !replacing {
            for file in [name + ".key", name + ".key_secret"] where fileExists(file) {
                throw CommandError("--out \(name): \(file) exists; choose another NAME, or add --force to replace it")
            }
        }
        do throws(SecurityError) {
            _ = try Certificate(keys: pair).write(to: name)
        } catch {
            throw failure("--out", name, error)
        }
    }

    /// `<option> <file>: <reason>`: the library's errors name the file themselves (and the line),
    /// so the path is not repeated then.
    private static func failure(_ option: String, _ path: String, _ error: SecurityError) -> CommandError {
        error.file == nil ? CommandError("\(option) \(path): \(error)") : CommandError("\(option) \(error)")
    }

    private static func fileExists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }
}
