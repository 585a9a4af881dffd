import ZeroMQ

/// The value types of ``RequestClient``'s call machinery: the waiters of its call table, how an
/// attempt ended, a reply on its way to the caller, a server stream in progress.
///
/// None depends on the client's `Request` or `Response`, and they are declared here rather than
/// nested in the generic client on purpose: nested, they would be generic too, so that the call
/// table, the continuations and the dictionaries keyed by request id would run as unspecialised
/// generic code, looking up type metadata at run time on every call (with `ServiceCall`'s
/// types, 3.8 % of all samples of a typed throughput run with 64 calls in flight; 0.6 % after).
enum ClientCall {
    /// A caller waiting for its attempt's reply; the timer ends the wait.
    struct ReplyWaiter {
        var continuation: UnsafeContinuation<AttemptOutcome, Never>
        var timer: PollLoop.ScheduledTimer
    }

    /// An attempt waiting for its endpoint's connection; resumed with `true` when it is up.
    struct ConnectionWaiter {
        var continuation: UnsafeContinuation<Bool, Never>
        var timer: PollLoop.ScheduledTimer
    }

    /// How one attempt ended.
    enum AttemptOutcome {
        case replied(ReceivedReply)
        case timedOut
        case unreachable((any Error)?)
        case cancelled
        case closed(any Error)
    }

    /// A reply for a pending call, parsed once by `deliver`.
    struct ReceivedReply {
        var message: Message
        var parsed: WireFormat.Reply
    }

    /// A reply to return to the caller, to decode on its executor.
    struct Answer: Sendable {
        var body: [Frame]
        var headers: [String: String]
        var id: UInt64
        var endpoint: String
        var attempts: Int
    }

    /// A server stream in progress: what it received, the endpoint it runs on, its deadline
    /// and the deadline's timer, and whether the service ended it (then no cancel is sent).
    struct Stream {
        var receiver: StreamReceiver<[Frame], UnsafeContinuation<StreamNext<[Frame]>, Never>>
        var endpoint: Int
        var deadline: ContinuousClock.Instant
        var timer: PollLoop.ScheduledTimer
        var endedByService = false
    }
}
