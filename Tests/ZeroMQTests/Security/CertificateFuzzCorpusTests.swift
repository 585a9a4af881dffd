import Foundation
import Testing
@testable import ZeroMQ

/// The committed corpus of the `certificates` fuzz target (Tests/Fuzz/Corpus/certificates)
/// through the checks the libFuzzer target makes (CertificateFuzzTarget.swift, shared with
/// Tests/Fuzz), so every `swift test` replays it without the fuzzer runtime.
@Suite("Fuzz corpus replay: keys and certificates", .timeLimit(.minutes(2)))
struct CertificateFuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/\(CertificateFuzzTarget.name)")

    @Test("every committed input passes the target's checks")
    func replay() async throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
        // The hand-made seeds alone are 31 (Tests/Fuzz/certificate_seeds.py).
        #expect(files.count >= 31, "the corpus of \(CertificateFuzzTarget.name) is missing")
        for file in files {
            do {
                try CertificateFuzzTarget.check(try [UInt8](Data(contentsOf: file)))
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
            await Task.yield()
        }
    }

}
