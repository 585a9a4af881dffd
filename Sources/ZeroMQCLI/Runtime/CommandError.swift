import ZeroMQ

/// An error as the command reports it: one line, printed by ArgumentParser as `Error: <line>`.
///
/// Library errors keep their own sentence (`bind tcp://127.0.0.1:5555 on PULL#1: EADDRINUSE
/// (Address already in use)`), except time-outs, which say which `--timeout` ran out.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ error: any Error, timeout: Double?) {
        if let error = error as? CommandError {
            description = error.description
        } else if let error = error as? ZeroMQError, error.code == .timedOut {
            let seconds = timeout.map(Self.seconds) ?? "the"
            description =
                "timed out: \(error.operation) on \(error.socket ?? "the socket") made no progress within \(seconds) s (--timeout)"
        } else {
            description = String(describing: error)
        }
    }

    init(_ description: String) {
        self.description = description
    }

    /// `2` for 2.0, `0.5` for 0.5.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
