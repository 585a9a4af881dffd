import Foundation
import Testing
@testable import ZeroMQ

/// libzmq issue 4660 (seen with 4.3.4 and 4.3.5): over ipc, a sender that closes while its
/// receiver is behind can lose the messages still on their way, whatever the linger.
///
/// The cause, in libzmq's `stream_engine_base_t::in_event_internal`: a receiving engine whose
/// pipe is at its high-water mark stops reading (`_input_stopped`). When the sender closes its
/// end, a Unix-domain socket reports `EPOLLHUP` (TCP reports no hang-up for a half-close), and
/// libzmq's poller calls `in_event` for it even though nobody asked for input; with input stopped
/// that counts as an I/O error, so the engine drops the connection and the bytes still in the
/// kernel's socket buffer with it. The sender's linger has already ended: everything had left
/// its pipe.
///
/// The safe paths, tested here: the sender closes only once the receiver has said it has the last
/// message (an acknowledgement on a second socket); or the link is tcp; or the receiver has no
/// receive high-water mark (0), so its engine never stops reading (memory is then bounded only
/// by what the senders send).
@Suite("Closing a sender over ipc while the receiver is behind (libzmq #4660)", .timeLimit(.minutes(2)))
struct IpcCloseTests {
    static let messages = 2_000
    static let size = 100

    /// One round: a PUSH in a context of its own (as in another process) sends ``messages``
    /// to a PULL whose receive high-water mark is 1, so the receiver is behind; then the PUSH is
    /// closed and its context shut down with the default linger (1 s cap), or `senderLinger`;
    /// `kernelBufferSize` sets both ends' `SO_SNDBUF`/`SO_RCVBUF`. With `acknowledged`, the sender
    /// first waits for the receiver to report that it has the last message.
    ///
    /// - Returns: the indices received, in order of receipt.
    private static func round(
        transport: Transport,
        acknowledged: Bool,
        receiveHighWaterMark: Int = 1,
        senderLinger: Duration? = nil,
        kernelBufferSize: Int? = nil
    ) async throws -> [Int] {
        let receiving = try makeContext()
        let sending = try Context()  // the default configuration: linger capped at 1 s
        let pull = try PullSocket(receiving)
        try await pull.setOption(.receiveHighWaterMark, to: receiveHighWaterMark)
        if let kernelBufferSize { try await pull.setOption(.receiveBufferSize, to: kernelBufferSize) }
        let endpoint = try await pull.bind(transport.endpoint())
        let push = try PushSocket(sending)
        // Everything fits in the sender's queue: the sends never wait for the slow receiver.
        try await push.setOption(.sendHighWaterMark, to: messages + 10)
        if let senderLinger { try await push.setOption(.linger, to: senderLinger) }
        if let kernelBufferSize { try await push.setOption(.sendBufferSize, to: kernelBufferSize) }
        try await push.connect(endpoint)

        // The acknowledgement goes back on a socket of its own.
        let acknowledgements = try PullSocket(sending)
        let acknowledgementEndpoint = try await acknowledgements.bind(transport.endpoint())
        let acknowledger = try PushSocket(receiving)
        try await acknowledger.connect(acknowledgementEndpoint)

        // Message 0 goes through first, so the connection is up before the burst.
        try await push.send(Message(numberedFrame(0, size: size)))
        var received = [numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1]

        for index in 1..<messages { try await push.send(Message(numberedFrame(index, size: size))) }
        if acknowledged {
            // The receiver catches up meanwhile (below); the sender closes once told.
            async let acknowledgement = acknowledgements.receive(timeout: .seconds(30))
            while received.count < messages {
                received.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
            }
            try await acknowledger.send(Message(numberedFrame(received.count, size: 4)))
            #expect(numberOfFrame(try await acknowledgement.first) == messages)
            await push.close()
            await sending.shutdown()
        } else {
            // The sender closes right after its last send, while the receiver is behind.
            await push.close()
            let shutdown = Task { await sending.shutdown() }
            // What arrives: every message, or as many as come before 2 s of quiet.
            do {
                while received.count < messages {
                    received.append(numberOfFrame(try await pull.receive(timeout: .seconds(2)).first) ?? -1)
                }
            } catch let error as ZeroMQError where error.code == .timedOut {}
            await shutdown.value
        }
        await receiving.shutdown()
        return received
    }

    /// Whether `received` is 0, 1, 2, ... with nothing missing in between and nothing twice.
    static func isInOrder(_ received: [Int]) -> Bool {
        received.enumerated().allSatisfy { $0.offset == $0.element }
    }

    @Test("acknowledged close over ipc: the sender waits for the receiver's word, nothing is lost")
    func acknowledgedCloseOverIPC() async throws {
        try await withDeadline(90) {
            for run in 1...5 {
                let received = try await Self.round(transport: .ipc, acknowledged: true)
                print("ipc acknowledged close, run \(run): sent \(Self.messages), delivered \(received.count), lost \(Self.messages - received.count)")
                #expect(received.count == Self.messages)
                #expect(Self.isInOrder(received), "delivered out of order or twice")
            }
        }
    }

    /// Records what tcp delivers when the sender closes right after its burst, without asserting
    /// a loss either way (it is a race): what arrives is an in-order prefix, with no duplicates.
    ///
    /// This test used to assert that nothing is lost over tcp, and did not (yet) see a loss with
    /// loopback's own socket buffers, which take the whole 200 KB burst. One CI run with the
    /// whole suite in parallel lost 741 of 2 000 in one round. With 4 KB kernel buffers, so that
    /// libzmq holds most of the burst when the sender closes, and a 30 s linger that covers the
    /// drain, rounds lost 0 to 39 messages (2026-12-07): the tail can be lost over tcp too, by a
    /// mechanism not yet pinned down (not the linger). Acknowledging the last message before
    /// closing is the path that holds.
    @Test("close right after sending over tcp: what arrives is an in-order prefix; the loss (possible here too) is recorded")
    func closeRightAfterSendingOverTCP() async throws {
        try await withDeadline(90) {
            var lost: [String: [Int]] = [:]
            for (label, buffer) in [("default buffers", nil), ("4 KB buffers, 30 s linger", 4_096)] as [(String, Int?)] {
                for _ in 1...5 {
                    let received = try await Self.round(
                        transport: .tcp, acknowledged: false, senderLinger: buffer == nil ? nil : .seconds(30),
                        kernelBufferSize: buffer
                    )
                    lost[label, default: []].append(Self.messages - received.count)
                    #expect(received.count <= Self.messages)
                    #expect(Self.isInOrder(received), "delivered out of order or twice")
                }
            }
            print("tcp close right after sending: sent \(Self.messages) per run, lost per run \(lost.sorted { $0.key < $1.key })")
        }
    }

    @Test("close right after sending over ipc to a receiver without a high-water mark: nothing is lost")
    func closeRightAfterSendingToUnboundedReceiverOverIPC() async throws {
        try await withDeadline(90) {
            for run in 1...5 {
                let received = try await Self.round(transport: .ipc, acknowledged: false, receiveHighWaterMark: 0)
                print("ipc close right after sending, receiver RCVHWM 0, run \(run): sent \(Self.messages), delivered \(received.count), lost \(Self.messages - received.count)")
                #expect(received.count == Self.messages)
                #expect(Self.isInOrder(received), "delivered out of order or twice")
            }
        }
    }

    /// Records libzmq's behaviour without asserting a loss (it is a race): what arrives is an
    /// in-order prefix of what was sent, with no duplicates, and the figures are printed.
    @Test("close right after sending over ipc: libzmq #4660 may lose the tail; what arrives is an in-order prefix")
    func closeRightAfterSendingOverIPC() async throws {
        try await withDeadline(90) {
            var lost: [Int] = []
            for _ in 1...5 {
                let received = try await Self.round(transport: .ipc, acknowledged: false)
                #expect(Self.isInOrder(received), "delivered out of order or twice")
                #expect(received.count <= Self.messages)
                lost.append(Self.messages - received.count)
            }
            print("ipc close right after sending (libzmq #4660): sent \(Self.messages) per run, lost per run \(lost)")
        }
    }
}
