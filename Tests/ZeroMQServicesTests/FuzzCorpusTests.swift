import Foundation
import Testing
import ZeroMQ

/// The committed fuzz corpus (Tests/Fuzz/Corpus) through the checks the libFuzzer targets make
/// (FuzzTargets.swift, shared with Tests/Fuzz), so every `swift test` replays it without the
/// fuzzer runtime.
@Suite("Fuzz corpus replay", .timeLimit(.minutes(2)))
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    @Test("Every committed input passes its target's checks", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) async throws {
        let directory = Self.corpus.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        // The hand-made seeds alone are ten per target (Tests/Fuzz/seeds.py).
        #expect(files.count >= 10, "the corpus of \(target.rawValue) is missing")
        for file in files {
            let input = try [UInt8](Data(contentsOf: file))
            do {
                try target.check(FuzzInput.message(input))
            } catch {
                Issue.record("\(target.rawValue)/\(file.lastPathComponent): \(error)")
            }
            // Minutes of CPU under ThreadSanitizer: give the cooperative pool's two threads back
            // between inputs, or the tests running beside this one starve past their deadlines.
            await Task.yield()
        }
    }

    @Test("The input format: a count byte, then header, length and bytes per frame")
    func inputFormat() {
        // Two frames: "abc" as a [UInt8], then one the input has no bytes left for.
        let short = FuzzInput.message([2, 1, 3, 0, 0x61, 0x62, 0x63])
        #expect(short.frames == [Frame("abc"), Frame([])])
        // A huge frame: fill byte 7, (length & 0x0FFF) × 64 bytes.
        let huge = FuzzInput.message([1, 0xC0, 0x10, 0xF0, 7])
        #expect(huge.frameCount == 1 && huge.frames[0].count == 16 * 64 && huge.frames[0].bytes.allSatisfy { $0 == 7 })
        // Huge frames share 1 MiB per message.
        let fiveHuge = FuzzInput.message([5] + Array(repeating: [0xC1, 0xFF, 0x0F, 2], count: 5).joined())
        #expect(fiveHuge.frameCount == 5 && fiveHuge.byteCount == FuzzInput.maximumHugeBytes)
        // No frame at all, and many empty ones.
        #expect(FuzzInput.message([0]).frameCount == 0)
        #expect(FuzzInput.message([255]).frames == Array(repeating: Frame([]), count: 255))
        // Bit 7 alone is not huge. Every storage holds the same bytes (4: a libzmq message).
        for storage: UInt8 in [0, 1, 2, 3, 4, 5, 6, 7, 0x80, 0x40] {
            #expect(FuzzInput.message([1, storage, 2, 0, 0xFF, 0x00]).frames == [Frame([0xFF, 0x00])])
        }
    }
}
