import Foundation
import Testing

extension Interop {
    /// A typed service stopped with SIGTERM while another process keeps 10 000 requests in
    /// flight against it.
    ///
    /// "Accepted" means handed to the service's handler: read from its ROUTER socket by the
    /// service's reader and started (TypedCalculator with `--delay` prints `calculating ...` for
    /// each, first thing in the handler). Graceful shutdown stops the reader, lets every accepted
    /// request finish and sends its reply, then closes the socket. The requests still unread at
    /// that moment (in the client's and the service's kernel buffers, libzmq's queue of the
    /// ROUTER, the socket's read-ahead) are dropped when the socket closes, as libzmq drops any
    /// unread inbound message at `zmq_close`: their caller sees the connection end with no reply
    /// (a ``RequestClient`` reports `timedOut`).
    @Suite("Typed service under SIGTERM with 10 000 requests in flight", .timeLimit(.minutes(3)))
    struct DrainUnderLoad {
        @Test("every accepted request is answered, the rest are counted, the service exits 0 within its drain bound")
        func sigtermWithTenThousandInFlight() async throws {
            try await withPeers { peers in
                let total = 10_000
                // 50 ms a calculation, 64 at a time: about 1 300 a second, so most are still
                // queued when the signal comes after the first 1 000 answers.
                let service = try peers.swift(
                    "TypedCalculator", ["--serve", "--delay", "0.05", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let client = try peers.python(
                    "flood_client.py",
                    ["--endpoint", endpoint, "--count", "\(total)", "--announce", "1000", "--timeout", "150"])
                _ = try await client.line(startingWith: "answered 1000", on: .stdout, timeout: .seconds(120))
                let signalled = ContinuousClock.now
                service.terminate()
                let exit = try await service.exited(timeout: .seconds(30))
                let drain = signalled.duration(to: .now)
                try await client.succeeded(timeout: .seconds(30))

                let summary = try await client.line(startingWith: "summary ", on: .stdout)
                var fields: [String: Int] = [:]
                for pair in summary.split(separator: " ") {
                    let parts = pair.split(separator: "=")
                    if parts.count == 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
                }
                let answered = fields["answered"] ?? -1
                let errors = fields["errors"] ?? -1
                let unanswered = fields["unanswered"] ?? -1
                let accepted = service.standardError.filter { $0.hasPrefix("calculating ") }.count

                #expect(exit == Child.Exit(status: 0, bySignal: false), "\(service.transcript())")
                #expect(fields["duplicates"] == 0 && fields["wrong"] == 0, "\(summary)")
                #expect(answered + errors + unanswered == total, "\(summary)")
                // Every accepted request was answered; nothing unaccepted was.
                #expect(answered + errors == accepted, "accepted \(accepted), \(summary)")
                #expect(errors == 0, "\(summary)")
                // The drain bound: the longest handler (50 ms) plus the socket's close linger
                // (the context's 1 s cap) and the process's exit, with room for a loaded machine.
                #expect(drain < .seconds(10), "the service took \(drain) to exit")
                print(
                    "| typed service, SIGTERM with \(total) in flight | \(total) | \(answered) answered, \(errors) errors | \(unanswered) unread at close | exit 0 after \(Int(drain / .milliseconds(1))) ms | accepted \(accepted) |"
                )
            }
        }
    }
}
