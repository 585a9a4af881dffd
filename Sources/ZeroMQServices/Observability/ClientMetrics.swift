import CoreMetrics

/// The typed client's swift-metrics instruments, made once per client.
///
/// - `zmq_client_requests_total{result}`: finished calls by result (`ok`, `timed_out`,
///   `unreachable`, `connection_lost`, `cancelled`, `closed`, `remote_error`,
///   `undecodable_reply`, `unencodable_request`).
/// - `zmq_client_retries_total`: attempts after the first.
/// - `zmq_client_failovers_total`: switches to the next endpoint.
/// - `zmq_client_late_replies_total`: replies dropped because no call waited for them.
/// - `zmq_client_in_flight`: calls started and not finished (a meter).
/// - `zmq_client_request_duration`: time from call to result, all attempts included (a timer).
struct ClientMetrics: Sendable {
    let ok, timedOut, unreachable, connectionLost, cancelled, closed, remote, undecodable, unencodable: Counter
    let retries: Counter
    let failovers: Counter
    let lateReplies: Counter
    let inFlight: Meter
    let duration: Timer

    init(factory: any MetricsFactory, dimensions: [(String, String)]) {
        func requests(_ result: String) -> Counter {
            Counter(label: "zmq_client_requests_total", dimensions: dimensions + [("result", result)], factory: factory)
        }
        ok = requests("ok")
        timedOut = requests("timed_out")
        unreachable = requests("unreachable")
        connectionLost = requests("connection_lost")
        cancelled = requests("cancelled")
        closed = requests("closed")
        remote = requests("remote_error")
        undecodable = requests("undecodable_reply")
        unencodable = requests("unencodable_request")
        retries = Counter(label: "zmq_client_retries_total", dimensions: dimensions, factory: factory)
        failovers = Counter(label: "zmq_client_failovers_total", dimensions: dimensions, factory: factory)
        lateReplies = Counter(label: "zmq_client_late_replies_total", dimensions: dimensions, factory: factory)
        inFlight = Meter(label: "zmq_client_in_flight", dimensions: dimensions, factory: factory)
        duration = Timer(label: "zmq_client_request_duration", dimensions: dimensions, factory: factory)
    }

    /// The counter for a call that ended with `code`.
    func counter(for code: RequestError.Code) -> Counter {
        // Exhaustive: a new kind of failure must choose its counter here.
        switch code.kind {
        case .timedOut: timedOut
        case .unreachable: unreachable
        case .connectionLost: connectionLost
        case .cancelled: cancelled
        case .closed: closed
        case .remote: remote
        case .undecodableReply: undecodable
        case .unencodableRequest: unencodable
        }
    }
}

extension RequestError.Code {
    /// How metrics (`result`) and spans (`zmq.outcome`) name a call that ended with this code.
    var resultLabel: String {
        switch kind {
        case .timedOut: "timed_out"
        case .unreachable: "unreachable"
        case .connectionLost: "connection_lost"
        case .cancelled: "cancelled"
        case .closed: "closed"
        case .remote: "remote_error"
        case .undecodableReply: "undecodable_reply"
        case .unencodableRequest: "unencodable_request"
        }
    }
}

extension Timer {
    /// Records the time from `start` to now.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
