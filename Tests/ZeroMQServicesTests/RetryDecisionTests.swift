import Testing
import ZeroMQTestSupport
@testable import ZeroMQServices

/// The retry rules of a typed call at exact instants: no sockets, no sleeps.
@Suite("Retry decisions", .timeLimit(.minutes(1)))
struct RetryDecisionTests {
    typealias Instant = ManualClock.Instant
    typealias Decision = RetryDecision<Instant>

    static let now = Instant(offset: .seconds(10))

    /// Three attempts, 100 ms then 200 ms between them, no jitter unless a test sets it.
    static let policy = RetryPolicy.exponentialBackoff(
        maximumAttempts: 3, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1), jitter: 0
    )

    /// The decision with this suite's defaults for what a test does not set.
    static func decide(
        _ failure: Decision.Failure, attempt: Int = 1, policy: RetryPolicy = policy, idempotent: Bool = true,
        clientTakesCalls: Bool = true, deadline: Instant? = nil, randomFraction: Double = 0
    ) -> Decision {
        Decision.after(
            failure, attempt: attempt, policy: policy, idempotent: idempotent, clientTakesCalls: clientTakesCalls,
            deadline: deadline, now: now, randomFraction: randomFraction
        )
    }

    @Test("a timed-out idempotent call is tried again after the backoff, growing by the multiplier")
    func timedOutIdempotent() {
        #expect(Self.decide(.timedOut, attempt: 1) == .retry(at: Self.now.advanced(by: .milliseconds(100)), backoff: .milliseconds(100)))
        #expect(Self.decide(.timedOut, attempt: 2) == .retry(at: Self.now.advanced(by: .milliseconds(200)), backoff: .milliseconds(200)))
    }

    @Test("a timed-out call not marked idempotent is not sent again: the service may have handled it")
    func timedOutNotIdempotent() {
        #expect(Self.decide(.timedOut, idempotent: false) == .fail)
    }

    @Test("a call that never left is tried again whatever its mark")
    func unreachable() {
        let expected = Decision.retry(at: Self.now.advanced(by: .milliseconds(100)), backoff: .milliseconds(100))
        #expect(Self.decide(.unreachable, idempotent: false) == expected)
        #expect(Self.decide(.unreachable, idempotent: true) == expected)
    }

    @Test("cancellation and closing end the call, with attempts left")
    func cancelledAndClosed() {
        for failure in [Decision.Failure.cancelled, .closed] {
            #expect(Self.decide(failure) == .fail)
            #expect(Self.decide(failure, idempotent: false) == .fail)
        }
    }

    @Test("no attempt past the policy's maximum; the default policy never retries")
    func attemptsRunOut() {
        #expect(Self.decide(.timedOut, attempt: 3) == .fail)
        #expect(Self.decide(.unreachable, attempt: 3) == .fail)
        #expect(Self.decide(.unreachable, attempt: 1, policy: .none) == .fail)
    }

    @Test("a draining or closed client starts no new attempt")
    func clientNoLongerTakesCalls() {
        #expect(Self.decide(.timedOut, clientTakesCalls: false) == .fail)
        #expect(Self.decide(.unreachable, clientTakesCalls: false) == .fail)
    }

    @Test("the next attempt must start before the deadline: at it is too late, a nanosecond before is not")
    func deadline() {
        let resume = Self.now.advanced(by: .milliseconds(100))
        #expect(Self.decide(.timedOut, deadline: resume) == .fail)
        #expect(Self.decide(.timedOut, deadline: resume.advanced(by: .nanoseconds(-1))) == .fail)
        #expect(
            Self.decide(.timedOut, deadline: resume.advanced(by: .nanoseconds(1)))
                == .retry(at: resume, backoff: .milliseconds(100))
        )
        #expect(Self.decide(.timedOut, deadline: Self.now) == .fail)
    }

    @Test("the random fraction takes up to the jitter share off the backoff, and the deadline sees the shorter wait")
    func jitter() {
        let jittery = RetryPolicy.exponentialBackoff(
            maximumAttempts: 3, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1), jitter: 0.5
        )
        #expect(
            Self.decide(.timedOut, policy: jittery, randomFraction: 1)
                == .retry(at: Self.now.advanced(by: .milliseconds(50)), backoff: .milliseconds(50))
        )
        #expect(
            Self.decide(.timedOut, policy: jittery, randomFraction: 0.5)
                == .retry(at: Self.now.advanced(by: .milliseconds(75)), backoff: .milliseconds(75))
        )
        // 60 ms left: too soon for the whole backoff, enough for the one with all the jitter off.
        let deadline = Self.now.advanced(by: .milliseconds(60))
        #expect(Self.decide(.timedOut, policy: jittery, deadline: deadline, randomFraction: 0) == .fail)
        #expect(
            Self.decide(.timedOut, policy: jittery, deadline: deadline, randomFraction: 1)
                == .retry(at: Self.now.advanced(by: .milliseconds(50)), backoff: .milliseconds(50))
        )
    }

    @Test("a policy without backoff retries at once")
    func noBackoff() {
        let immediate = RetryPolicy.exponentialBackoff(maximumAttempts: 2, initialBackoff: .zero, jitter: 0)
        #expect(Self.decide(.timedOut, policy: immediate) == .retry(at: Self.now, backoff: .zero))
        // Even with a deadline right now: the next attempt starts at the deadline, too late.
        #expect(Self.decide(.timedOut, policy: immediate, deadline: Self.now) == .fail)
    }
}
