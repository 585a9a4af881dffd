// Statistics over repeats and samples: the median of repeated rates (and which run it was, for
// its CPU figure), means and percentiles of round-trip samples, and the rate of a timed window.
enum Statistics {
    /// The median: the middle value, or the mean of the two middle values.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The index of the value closest to the median (the "median run" of a set of repeats).
    static func medianIndex(_ values: [Double]) -> Int {
        let target = median(values)
        return values.indices.min { abs(values[$0] - target) < abs(values[$1] - target) } ?? 0
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// The sorted value at `min(n - 1, Int(q * n))`: the same definition the Python peers use.
    static func percentile(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]
    }

    /// Messages per second between the first message's arrival and the last's: `(n - 1) / elapsed`.
    static func rate(messages: Int, firstNanoseconds: UInt64, lastNanoseconds: UInt64) -> Double {
        guard messages > 1, lastNanoseconds > firstNanoseconds else { return 0 }
        return Double(messages - 1) / (Double(lastNanoseconds - firstNanoseconds) / 1e9)
    }

    /// `value / reference`, or nil when there is no reference to compare with.
    static func ratio(_ value: Double, to reference: Double?) -> Double? {
        guard let reference, reference > 0, value.isFinite else { return nil }
        return value / reference
    }
}

/// Mean, p50 and p99 of round trips, in microseconds.
struct LatencySummary: Sendable {
    var mean: Double
    var p50: Double
    var p99: Double

    /// From round-trip samples in nanoseconds.
    init(nanoseconds samples: [UInt64]) {
        let sorted = samples.map { Double($0) / 1000 }.sorted()
        mean = Statistics.mean(sorted)
        p50 = Statistics.percentile(sorted: sorted, 0.5)
        p99 = Statistics.percentile(sorted: sorted, 0.99)
    }

    init(mean: Double, p50: Double, p99: Double) {
        self.mean = mean
        self.p50 = p50
        self.p99 = p99
    }
}

/// What a receiver saw: messages, bytes, and when the first and the last message arrived.
struct Tally: Sendable {
    var messages = 0
    var bytes = 0
    var first: UInt64 = 0
    var last: UInt64 = 0

    var rate: Double {
        Statistics.rate(messages: messages, firstNanoseconds: first, lastNanoseconds: last)
    }

    /// Throws unless exactly `messages` messages of `bytes` bytes in all arrived.
    func verify(messages expected: Int, bytes expectedBytes: Int, _ what: String) throws {
        guard messages == expected, bytes == expectedBytes else {
            throw BenchError("\(what): received \(messages) messages, \(bytes) bytes; expected \(expected) messages, \(expectedBytes) bytes (lost or corrupted messages)")
        }
    }

    /// Several receivers' tallies as one: all messages, from the earliest first to the latest last.
    static func merged(_ tallies: [Tally]) -> Tally {
        var total = Tally()
        total.messages = tallies.reduce(0) { $0 + $1.messages }
        total.bytes = tallies.reduce(0) { $0 + $1.bytes }
        total.first = tallies.map(\.first).min() ?? 0
        total.last = tallies.map(\.last).max() ?? 0
        return total
    }
}
