import Foundation
import Testing
import ZeroMQ

/// czmq's certificate code, compiled once per test process from Tests/CPeers/zcert_tool.c with
/// `cc ... -lczmq -lzmq` (Debian `libczmq-dev`; Scripts/install-test-peers.sh installs it).
enum CzmqTool {
    static let path: Result<String, HarnessError> = {
        let source = Locations.repository.appendingPathComponent("Tests/CPeers/zcert_tool.c").path
        let output = "\(TemporaryDirectory.shared.path)/zcert_tool"
        let advice = "install a C compiler and czmq (Debian: apt-get install libczmq-dev; Scripts/install-test-peers.sh does it as root)"
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-o", output, source, "-lczmq", "-lzmq"]
        let errors = Pipe()
        compiler.standardError = errors
        compiler.standardOutput = FileHandle.nullDevice
        do {
            try compiler.run()
            compiler.waitUntilExit()
        } catch {
            return .failure(HarnessError("cannot run cc (\(error)): \(advice)"))
        }
        guard compiler.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return .failure(HarnessError("cc could not build \(source) against czmq: \(message)\n\(advice)"))
        }
        return .success(output)
    }()
}

/// Runs a program to its end and returns its stdout lines, or throws with its output.
private func run(_ executable: String, _ arguments: [String], name: String) async throws -> [String] {
    let child = try Child(name: name, executable: executable, arguments: arguments)
    do {
        try await child.succeeded(timeout: .seconds(30))
    } catch {
        child.terminate()
        throw HarnessError("\(error)\n\(child.transcript())")
    }
    return child.standardOutput
}

/// The value of the line `"<prefix> value"`.
private func value(_ prefix: String, in lines: [String]) throws -> String {
    guard let line = lines.first(where: { $0.hasPrefix(prefix + " ") }) else {
        throw HarnessError("no line starting with \"\(prefix) \" in \(lines.count) lines")
    }
    return String(line.dropFirst(prefix.count + 1))
}

private func pyzmq(_ arguments: [String]) async throws -> [String] {
    let script = Locations.pythonPeers.appendingPathComponent("certificates.py").path
    return try await run(Locations.python.get(), ["-u", script] + arguments, name: "certificates.py")
}

private func czmq(_ arguments: [String]) async throws -> [String] {
    try await run(CzmqTool.path.get(), arguments, name: "zcert_tool")
}

private func makeDirectory() throws -> String {
    let path = "\(TemporaryDirectory.shared.path)/certificates-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The umask (children inherit it), read from /proc: calling umask() would change it for a moment.
private func umaskOfThisProcess() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
    return line.flatMap { Int($0.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
}

private func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("Certificates between swift-zeromq, pyzmq and czmq", .timeLimit(.minutes(3)))
struct CertificateInteropTests {
    @Test("files written by pyzmq's create_certificates load, with the keys pyzmq reads from them")
    func readsPyzmq() async throws {
        try await withDeadline {
            let directory = try makeDirectory()
            _ = try await pyzmq(["create", directory, "client", "name=py client", "role=tester"])
            let pyzmqRead = try await pyzmq(["load", "\(directory)/client.key_secret"])

            let secret = try Certificate(contentsOfFile: "\(directory)/client.key_secret")
            #expect(secret.publicKey.z85 == (try value("public", in: pyzmqRead)))
            #expect(secret.secretKey?.z85 == (try value("secret", in: pyzmqRead)))
            // pyzmq writes metadata unquoted, and only into the secret file.
            #expect(secret.metadata == ["name": "py client", "role": "tester"])
            let publicOnly = try Certificate(contentsOfFile: "\(directory)/client.key")
            #expect(publicOnly.publicKey == secret.publicKey)
            #expect(publicOnly.secretKey == nil)
            #expect(publicOnly.metadata.isEmpty)
            // pyzmq opens the secret file like any other: its mode is 0666 less the umask, so with
            // the usual umask 022 it is 0644 and our reader warns about it.
            #expect(try mode("\(directory)/client.key_secret") == 0o666 & ~umaskOfThisProcess())
        }
    }

    @Test("files we write load in pyzmq (load_certificate and load_certificates)")
    func pyzmqReadsOurs() async throws {
        try await withDeadline {
            let directory = try makeDirectory()
            let keys = try CurveKeyPair.generate()
            try Certificate(keys: keys, metadata: ["name": "swift server", "quote": "say \"hi\""]).write(to: "\(directory)/server")
            let other = try CurveKeyPair.generate()
            try Certificate(publicKey: other.publicKey).write(to: "\(directory)/other")

            let secretRead = try await pyzmq(["load", "\(directory)/server.key_secret"])
            #expect(try value("public", in: secretRead) == keys.publicKey.z85)
            #expect(try value("secret", in: secretRead) == keys.secretKey.z85)
            let publicRead = try await pyzmq(["load", "\(directory)/server.key"])
            #expect(try value("public", in: publicRead) == keys.publicKey.z85)
            #expect(try value("secret", in: publicRead) == "none")
            let all = try await pyzmq(["loaddir", directory])
            #expect(Set(all) == ["public \(keys.publicKey.z85)", "public \(other.publicKey.z85)"])
        }
    }

    @Test("files written by czmq's zcert_save load, with their metadata")
    func readsCzmq() async throws {
        try await withDeadline {
            let directory = try makeDirectory()
            let saved = try await czmq(["save", "\(directory)/peer", "name=c peer", "email=ops@example.com"])
            let czmqRead = try await czmq(["load", "\(directory)/peer.key"])
            let secret = try Certificate(contentsOfFile: "\(directory)/peer.key_secret")
            #expect(secret.publicKey.z85 == (try value("public", in: saved)))
            #expect(secret.secretKey?.z85 == (try value("secret", in: czmqRead)))
            #expect(secret.metadata == ["name": "c peer", "email": "ops@example.com"])
            let publicOnly = try Certificate(contentsOfFile: "\(directory)/peer.key")
            #expect(publicOnly.publicKey == secret.publicKey)
            #expect(publicOnly.secretKey == nil)
            #expect(publicOnly.metadata == secret.metadata)
            // czmq creates its secret files private too.
            #expect(try mode("\(directory)/peer.key_secret") == 0o600)
        }
    }

    @Test("files we write load in czmq's zcert_load, metadata included, a value with \" in it too")
    func czmqReadsOurs() async throws {
        try await withDeadline {
            let directory = try makeDirectory()
            let keys = try CurveKeyPair.generate()
            let metadata = ["name": "swift server", "quote": "say \"hi\"", "apostrophe": "it's"]
            try Certificate(keys: keys, metadata: metadata).write(to: "\(directory)/server")
            let both = try await czmq(["load", "\(directory)/server.key"])  // czmq reads server.key_secret first
            #expect(try value("public", in: both) == keys.publicKey.z85)
            #expect(try value("secret", in: both) == keys.secretKey.z85)
            #expect(Set(both.filter { $0.hasPrefix("meta ") }) == Set(metadata.map { "meta \($0.key)=\($0.value)" }))

            // The public file alone (no _secret beside it): czmq gets the public key, a zero secret.
            let alone = try makeDirectory()
            try FileManager.default.copyItem(atPath: "\(directory)/server.key", toPath: "\(alone)/server.key")
            let publicOnly = try await czmq(["load", "\(alone)/server.key"])
            #expect(try value("public", in: publicOnly) == keys.publicKey.z85)
            #expect(try value("secret", in: publicOnly) == String(repeating: "0", count: 40))
            #expect(Set(publicOnly.filter { $0.hasPrefix("meta ") }) == Set(metadata.map { "meta \($0.key)=\($0.value)" }))
        }
    }

    @Test("a CertificateStore loads a directory of pyzmq's, czmq's and our public certificates")
    func mixedStore() async throws {
        try await withDeadline {
            let directory = try makeDirectory()
            _ = try await pyzmq(["create", directory, "python"])
            let saved = try await czmq(["save", "\(directory)/c"])
            let ours = try CurveKeyPair.generate()
            try Certificate(publicKey: ours.publicKey).write(to: "\(directory)/swift")
            let python = try Certificate(contentsOfFile: "\(directory)/python.key").publicKey
            let store = try CertificateStore(directory: directory)
            #expect(store.publicKeys == [python, try CurvePublicKey(z85: value("public", in: saved)), ours.publicKey])
        }
    }
}
