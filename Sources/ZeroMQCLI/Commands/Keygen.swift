import ArgumentParser
import ZeroMQ

/// `zmq keygen`: a new CURVE key pair, printed or written as a certificate pair.
struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a CURVE key pair: print it, or write it as a certificate pair (NAME.key, NAME.key_secret).",
        discussion: """
            Without --out, prints the two keys as Z85 text (40 characters each) on standard output:

              public: <public key>
              secret: <secret key>

            With --out NAME, writes NAME.key (the public certificate: give it to the other side, or \
            put it in a server's --allow directory) and NAME.key_secret (both keys, mode 0600: keep \
            it private), in the ZPL format czmq and pyzmq read; then prints `public: <key>` only. \
            Existing files are not overwritten unless --force.

            Examples:
              zmq keygen
              zmq keygen --out server
              zmq keygen --out clients/alice
            """
    )

    @Option(help: ArgumentHelp("Write NAME.key and NAME.key_secret instead of printing the secret key.", valueName: "name"))
    var out: String?

    @Flag(help: "With --out: replace existing files.")
    var force = false

    func validate() throws {
        if let out, out.isEmpty { throw ValidationError("--out needs a file name (NAME for NAME.key and NAME.key_secret).") }
        if force, out == nil { throw ValidationError("--force goes with --out NAME.") }
    }

    func run() async throws {
        do {
            let pair = try CurveKeyPair.generate()
            guard let out else {
                Terminal.printLine("public: \(pair.publicKey.z85)")
                Terminal.printLine("secret: \(pair.secretKey.z85)")
                return
            }
            try Certificates.write(pair, to: out, replacing: force)
            Terminal.printLine("public: \(pair.publicKey.z85)")
            Terminal.printError("wrote \(out).key (public) and \(out).key_secret (secret, mode 0600)")
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError(error, timeout: nil)
        }
    }
}
