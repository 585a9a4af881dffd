import Foundation
import Testing

extension Interop {
    /// The README's quick start is Examples/QuickStart: a program that ends, and the code the
    /// README shows, so that neither can drift from the other.
    @Suite("Quick start")
    struct QuickStart {
        @Test("the quick start runs to its end and prints the three messages in order")
        func runs() async throws {
            try await withPeers { peers in
                let program = try peers.swift("QuickStart", [])
                try await program.succeeded(timeout: .seconds(60))
                #expect(program.standardOutput == ["hello", "from", "ZeroMQ"], "\(program.transcript())")
            }
        }

        @Test("the README shows the quick start's code, line for line")
        func readmeShowsTheProgram() throws {
            let readme = try String(contentsOf: Locations.repository.appendingPathComponent("README.md"), encoding: .utf8)
            let program = try String(
                contentsOf: Locations.repository.appendingPathComponent("Examples/QuickStart/main.swift"), encoding: .utf8)
            // The README's first swift block after "## Quick start", without its Package.swift lines.
            let section = try #require(readme.range(of: "## Quick start")).upperBound
            let open = try #require(readme.range(of: "```swift\n", range: section..<readme.endIndex)).upperBound
            let close = try #require(readme.range(of: "```\n", range: open..<readme.endIndex)).lowerBound
            let shown = readme[open..<close].split(separator: "\n", omittingEmptySubsequences: false)
                .drop { $0.hasPrefix("//") }
            // The program without its header comment.
            let code = program.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("//") }
            #expect(Array(shown) == Array(code))
            #expect(shown.first == "import ZeroMQ")
        }
    }
}
