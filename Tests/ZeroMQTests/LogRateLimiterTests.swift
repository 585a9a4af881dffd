import Logging
import Testing
import ZeroMQSupport
import ZeroMQTestSupport

/// The limiter of what remote peers can make the library log, on a manual clock.
@Suite("Log rate limiter", .timeLimit(.minutes(1)))
struct LogRateLimiterTests {
    typealias Instant = ManualClock.Instant

    func at(_ milliseconds: Int) -> Instant {
        Instant(offset: .milliseconds(milliseconds))
    }

    @Test("the first line, then one per interval, each saying how many were left out before it")
    func onePerInterval() {
        var limiter = LogRateLimiter<Instant>(interval: .seconds(10))
        #expect(limiter.admit(at: at(0)) == 0)
        // 2 999 more within the interval: all left out.
        for millisecond in 1..<3_000 {
            #expect(limiter.admit(at: at(millisecond)) == nil)
        }
        #expect(limiter.admit(at: at(9_999)) == nil)
        // The interval has passed: written, with the 3 000 left out.
        #expect(limiter.admit(at: at(10_000)) == 3_000)
        #expect(limiter.admit(at: at(10_001)) == nil)
        // A quiet spell: the next line is written at once, saying one was left out.
        #expect(limiter.admit(at: at(60_000)) == 1)
        #expect(limiter.admit(at: at(70_000)) == 0)
    }

    @Test("a steady flood is written once per interval, and the counts add up to every line")
    func steadyFlood() {
        var limiter = LogRateLimiter<Instant>(interval: .seconds(1))
        var written = 0, leftOutReported = 0
        // 30 000 lines over 30 s, one per millisecond.
        for millisecond in 0..<30_000 {
            if let leftOut = limiter.admit(at: at(millisecond)) {
                written += 1
                leftOutReported += leftOut
            }
        }
        #expect(written == 30)
        // Every line was written or reported, except those after the last written line.
        #expect(written + leftOutReported == 30_000 - 999)
    }

    @Test("RateLimitedLog: 3 000 lines in a burst write one; a line below the logger's level is not counted")
    func shell() {
        let (logger, records) = CapturingLogHandler.logger()
        let log = RateLimitedLog(interval: .seconds(3600))
        for index in 0..<3_000 {
            log.log(logger, level: .info, "bad message", metadata: ["index": "\(index)"])
        }
        #expect(records.all.count == 1)
        #expect(records.all.first?.level == .info)
        #expect(records.all.first?.metadata["index"] == "0")
        #expect(records.all.first?.metadata["zmq.suppressed"] == nil)

        var quiet = logger
        quiet.logLevel = .notice
        let other = RateLimitedLog(interval: .zero)
        other.log(quiet, level: .info, "not written")
        other.log(logger, level: .info, "written")
        other.log(logger, level: .info, "written again")
        #expect(records.all.map(\.message) == ["bad message", "written", "written again"])
        #expect(records.all.last?.metadata["zmq.suppressed"] == nil, "a line below the level is not a line left out")
    }
}
