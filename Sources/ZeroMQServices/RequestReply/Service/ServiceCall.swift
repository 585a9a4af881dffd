import Synchronization
import ZeroMQ

/// The value types of how a ``RequestService`` handles one request: the reply and outcome, what
/// the request is to the server streams, the work handed to the handler, the deadline's flag.
///
/// None depends on the service's `Request` or `Response`, and they are declared here rather than
/// nested in the generic service on purpose: nested, they would be generic too, so that every
/// request would look up their type metadata at run time (and allocate an `Expiry` through it).
enum ServiceCall {
    /// A reply to send (none for a request whose caller's deadline passed), and how the
    /// request ended (`ok`, the code of the error sent back, or `deadline-exceeded`), for the
    /// request's span.
    struct Answer {
        var message: Message?
        var outcome: String

        init(message: Message?, outcome: String) {
            self.message = message
            self.outcome = outcome
        }

        /// The error reply to `request`.
        init(to request: WireFormat.Request, error: RemoteError) {
            self.init(message: WireFormat.failure(to: request, error: error), outcome: error.code)
        }
    }

    /// What a request is to the server streams: nothing, or the request that opens one.
    enum StreamAdmission: Sendable {
        /// A request that opens no stream (or one this service does not stream for).
        case none
        /// The request opens the stream of this key, open now.
        case open(StreamFlows.Key)
        /// The request would open a stream its caller has open already (the same id).
        case duplicate
        /// The request would open a stream beyond ``RequestServiceConfiguration/maximumStreams``.
        case full
        /// The request's credit would take its connection's streams beyond
        /// ``RequestServiceConfiguration/maximumStreamCreditPerConnection``.
        case overConnectionLimit(credit: Int)
    }

    /// A stream's key and its request's concurrency slot, for the stream's sender.
    struct StreamSending: Sendable {
        var key: StreamFlows.Key
        var limit: ConcurrencyLimit
    }

    /// A request to work on: what it is, its context, and what it is to the server streams.
    ///
    /// A class, allocated once per request: the async functions that answer a request pass it
    /// down by reference. As a struct (a few hundred bytes) each of them kept a copy in its
    /// async frame, and the request's task needs a new kilobyte of task memory (a `malloc`) for
    /// each frame that does not fit in what is left: eight per request then, six now.
    final class Work: Sendable {
        let request: WireFormat.Request
        let context: RequestContext
        let stream: StreamAdmission
        let sending: StreamSending?

        init(request: WireFormat.Request, context: RequestContext, stream: StreamAdmission, sending: StreamSending?) {
            self.request = request
            self.context = context
            self.stream = stream
            self.sending = sending
        }
    }

    /// A request whose metadata was read: the work to do (its deadline in its context), or the
    /// error reply it gets already.
    enum Preparation {
        case work(Work)
        case answered(Answer)
    }

    /// Whether a request's deadline has passed: set by the loop's timer, read by the work.
    final class Expiry: Sendable {
        private let passed = Atomic(false)

        func expire() { passed.store(true, ordering: .releasing) }
        var hasPassed: Bool { passed.load(ordering: .acquiring) }
    }
}
