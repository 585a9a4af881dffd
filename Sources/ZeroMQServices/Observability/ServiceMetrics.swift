import CoreMetrics

/// The typed service's swift-metrics instruments, made once per service.
///
/// - `zmq_service_requests_total{result}`: handled requests by result (`ok`, `remote_error`
///   for a ``RemoteError`` the handler threw, `internal_error` for any other error,
///   `bad_request` for an undecodable request or metadata frame, `unencodable_response`,
///   `deadline_exceeded` for a request whose caller's time ran out before or while it was
///   handled), `cancelled` for a server stream its caller cancelled, `shutting_down` for a
///   server stream the service's shutdown ended, `stalled` for one whose caller granted no
///   credit in time, `too_many_streams` for one refused at
///   ``RequestServiceConfiguration/maximumStreams``).
/// - `zmq_service_dropped_messages_total`: messages without an envelope, which cannot be
///   answered.
/// - `zmq_service_in_flight`: requests being handled (a meter).
/// - `zmq_service_request_duration`: time from receiving a request to queuing its reply.
struct ServiceMetrics: Sendable {
    let ok, remote, internalError, badRequest, unencodable, deadlineExceeded, cancelled, shuttingDown, stalled, tooManyStreams: Counter
    let dropped: Counter
    let inFlight: Meter
    let duration: Timer

    init(factory: any MetricsFactory, dimensions: [(String, String)]) {
        func requests(_ result: String) -> Counter {
            Counter(label: "zmq_service_requests_total", dimensions: dimensions + [("result", result)], factory: factory)
        }
        ok = requests("ok")
        remote = requests("remote_error")
        internalError = requests("internal_error")
        badRequest = requests("bad_request")
        unencodable = requests("unencodable_response")
        deadlineExceeded = requests("deadline_exceeded")
        cancelled = requests("cancelled")
        shuttingDown = requests("shutting_down")
        stalled = requests("stalled")
        tooManyStreams = requests("too_many_streams")
        dropped = Counter(label: "zmq_service_dropped_messages_total", dimensions: dimensions, factory: factory)
        inFlight = Meter(label: "zmq_service_in_flight", dimensions: dimensions, factory: factory)
        duration = Timer(label: "zmq_service_request_duration", dimensions: dimensions, factory: factory)
    }
}
