import Testing
@testable import ZeroMQ

/// The loop's set of polled sources, with stand-in sources: no libzmq, no thread.
@Suite("PollRegistry: sources in and out in constant time, the poll set dense", .timeLimit(.minutes(1)))
struct PollRegistryTests {
    final class Source: PollSource {
        let name: String
        var pollEvents: Int16 = 0
        var pollHandle: UnsafeMutableRawPointer? { nil }

        init(_ name: String) { self.name = name }

        func handleReady(_ revents: Int16) {}
    }

    private func names(_ registry: PollRegistry) -> [String] {
        registry.sources.map { ($0 as? Source)?.name ?? "?" }
    }

    @Test("a source is registered while it wants events, once, and removed when it wants none")
    func inAndOut() {
        var registry = PollRegistry()
        let a = Source("a")
        let registered1 = registry.update(a)
        #expect(!registered1, "wants nothing: not registered")
        #expect(registry.sources.isEmpty)
        a.pollEvents = 1
        let registered2 = registry.update(a)
        #expect(registered2)
        a.pollEvents = 3
        let registered3 = registry.update(a)
        #expect(registered3, "a change of events keeps it registered")
        #expect(names(registry) == ["a"], "registered once")
        a.pollEvents = 0
        let registered4 = registry.update(a)
        #expect(!registered4)
        #expect(registry.sources.isEmpty)
        #expect(!registry.contains(a))
    }

    @Test("removing from the middle moves the last source into the gap, and the set stays consistent")
    func swapRemove() {
        var registry = PollRegistry()
        let sources = (0..<5).map { Source("s\($0)") }
        for source in sources {
            source.pollEvents = 1
            registry.update(source)
        }
        #expect(names(registry) == ["s0", "s1", "s2", "s3", "s4"])
        sources[1].pollEvents = 0
        registry.update(sources[1])
        #expect(names(registry) == ["s0", "s4", "s2", "s3"])
        // The moved source is found at its new place: removing it again works.
        sources[4].pollEvents = 0
        registry.update(sources[4])
        #expect(names(registry) == ["s0", "s3", "s2"])
        sources[0].pollEvents = 0
        registry.update(sources[0])
        #expect(names(registry) == ["s2", "s3"])
        #expect(registry.contains(sources[2]) && registry.contains(sources[3]))
        #expect(!registry.contains(sources[0]) && !registry.contains(sources[1]) && !registry.contains(sources[4]))
    }

    @Test("random interest changes: the registry always holds exactly the sources that want events")
    func randomised() {
        var registry = PollRegistry()
        let sources = (0..<50).map { Source("s\($0)") }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let source = sources[Int.random(in: 0..<sources.count, using: &generator)]
            source.pollEvents = Bool.random(using: &generator) ? Int16.random(in: 1...3, using: &generator) : 0
            registry.update(source)
            let wanted = Set(sources.filter { $0.pollEvents != 0 }.map(\.name))
            let registered = names(registry)
            #expect(Set(registered) == wanted && registered.count == wanted.count)
            if Set(registered) != wanted { return }
        }
        registry.removeAll()
        #expect(registry.sources.isEmpty && !registry.contains(sources[0]))
    }
}
