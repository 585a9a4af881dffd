import CZeroMQ
import DequeModule

#if canImport(FoundationEssentials)
import FoundationEssentials
#elseif canImport(Foundation)
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SocketCore {
    /// Sends `message` now if libzmq has room; returns false (nothing sent) when it must wait.
    ///
    /// Returns false without sending while other senders wait (FIFO) or when libzmq refuses
    /// the first frame with `EAGAIN` (high-water mark). The whole message is sent in this one
    /// call, so no other send can slip frames into the middle of it.
    func sendImmediately(_ message: Message) throws(ZeroMQError) -> Bool {
        let handle = try liveHandle(for: "send")
        // Messages queued from outside the loop were sent first: they go to libzmq first.
        if writeBehind > 0, !confined.backlog.isEmpty || outboxCount.load(ordering: .relaxed) > 0 {
            flushOutbox()
            guard confined.backlog.isEmpty else { return false }
        }
        guard confined.senders.isEmpty else { return false }
        return try sendFrames(of: message, handle)
    }

    // MARK: Write-behind (any thread, then the loop)

    /// Queues `message` for the loop to send, from any thread: how a send from outside the loop
    /// avoids a thread hop (see ``ContextConfiguration/sendBatchSize``).
    ///
    /// - Returns: false when the caller must take the slow path instead: write-behind is off for
    ///   this socket, the queue is full (the caller then waits for room on the loop, behind the
    ///   queued messages), the socket is closed, or the message has no frame (an error to report).
    func queueForSending(_ message: Message) -> Bool {
        guard writeBehind > 0, message.frameCount > 0 else { return false }
        let (queued, flush) = outbox.withLock { outbox -> (Bool, Bool) in
            guard !outbox.closed, !outbox.sendersWaiting, !outbox.routerMandatory, outbox.queued < writeBehind else {
                return (false, false)
            }
            outbox.messages.append(message)
            outbox.queued += 1
            outboxCount.wrappingAdd(1, ordering: .relaxed)
            guard !outbox.flushScheduled else { return (true, false) }
            outbox.flushScheduled = true
            return (true, true)
        }
        if flush { loop.execute { [self] in self.flushOutbox() } }
        return queued
    }

    /// Loop thread: moves the outbox to the backlog and hands the backlog to libzmq, in order,
    /// until libzmq is at its high-water mark (then `POLLOUT` resumes it).
    func flushOutbox() {
        outbox.withLock { outbox in
            outbox.flushScheduled = false
            guard !outbox.messages.isEmpty else { return }
            outboxCount.wrappingSubtract(outbox.messages.count, ordering: .relaxed)
            if confined.backlog.isEmpty {
                swap(&outbox.messages, &confined.backlog)
            } else {
                confined.backlog.append(contentsOf: outbox.messages)
                outbox.messages.removeAll(keepingCapacity: true)
            }
        }
        drainBacklog()
        refreshInterest()
    }

    /// Loop thread: sends backlog messages until libzmq refuses one with `EAGAIN`.
    ///
    /// - Returns: whether the backlog is empty.
    @discardableResult
    private func drainBacklog() -> Bool {
        guard !confined.backlog.isEmpty, let handle = confined.handle else { return confined.backlog.isEmpty }
        var handed = 0
        defer { if handed > 0 { outbox.withLock { $0.queued -= handed } } }
        while let message = confined.backlog.first {
            do {
                guard try sendFrames(of: message, handle) else { return false }
            } catch {
                // The socket or context is going away (the only failures of these socket types):
                // nobody is left to tell; the message is dropped with the rest of the socket.
                logger.debug("a queued message was not sent", metadata: ["zmq.error": "\(error)"])
            }
            confined.backlog.removeFirst()
            handed += 1
        }
        return true
    }

    /// Loop thread, at close: no more queueing; what is queued goes to libzmq now, so that the
    /// linger applies to it. Messages libzmq cannot take (high-water mark) are dropped and logged.
    func flushForClosing() {
        guard writeBehind > 0 else { return }
        outbox.withLock { $0.closed = true }
        flushOutbox()
        guard !confined.backlog.isEmpty else { return }
        logger.info(
            "messages queued for sending were dropped at close: libzmq was at its high-water mark",
            metadata: ["zmq.dropped": "\(confined.backlog.count)"]
        )
        outbox.withLock { $0.queued -= confined.backlog.count }
        confined.backlog.removeAll()
    }

    /// Queues a sender that waits for `POLLOUT` (or its timeout, or cancellation).
    func enqueueSender(
        id: UInt64,
        continuation: UnsafeContinuation<Void, any Error>,
        message: Message,
        timeout: Duration?
    ) {
        loop.preconditionOnLoop()
        if let refusal = refusalToWait("send") {
            continuation.resume(throwing: refusal)
            return
        }
        wait(SendWaiter(continuation: continuation, message: message), id: id, timeout: timeout, in: \.senders, operation: "send")
    }

    /// A cancelled send leaves the queue with nothing sent. A no-op when it already completed.
    func cancelSender(_ id: UInt64) {
        remove(id, from: \.senders)?.continuation.resume(throwing: CancellationError())
    }

    /// Writable: sends waiting messages in FIFO order, a bounded number per turn.
    func serveSenders() {
        guard let handle = confined.handle, drainBacklog() else { return }
        var budget = Self.servingBudget
        while budget > 0, let head = confined.senders.first {
            budget -= 1
            let sent: Bool
            do {
                sent = try sendFrames(of: head.message, handle)
            } catch {
                takeFirst(from: \.senders)?.continuation.resume(throwing: error)
                continue
            }
            guard sent else { return }
            takeFirst(from: \.senders)?.continuation.resume()
        }
    }

    // MARK: libzmq

    /// Sends every frame of `message`, or nothing (false) when libzmq refuses the first frame
    /// with `EAGAIN`.
    ///
    /// libzmq counts its high-water mark in whole messages and checks it on a message's first
    /// frame, so once that frame is accepted the others are too (PUSH/DEALER keep writing to the
    /// same pipe, ROUTER checks its peer on the routing-id frame, PUB never blocks). Should a later
    /// frame still report `EAGAIN`, it is sent in blocking mode: abandoning a half-sent message
    /// would corrupt it, and libzmq's accounting means the wait cannot be long.
    private func sendFrames(of message: Message, _ handle: UnsafeMutableRawPointer) throws(ZeroMQError) -> Bool {
        switch message.storage {
        case .single(let frame):
            let error = sendFrame(frame, flags: ZMQ_DONTWAIT, handle)
            if error == 0 { return true }
            if error == EAGAIN { return false }
            throw ZeroMQError.libzmq("send", socket: label, errno: error)
        case .multipart(let frames):
            guard !frames.isEmpty else {
                throw ZeroMQError(code: .invalidArgument, operation: "send", socket: label, reason: "a message needs at least one frame")
            }
            let last = frames.count - 1
            for index in 0...last {
                let more = index < last ? ZMQ_SNDMORE : 0
                var error = sendFrame(frames[index], flags: ZMQ_DONTWAIT | more, handle)
                if error == EAGAIN {
                    if index == 0 { return false }
                    error = sendFrame(frames[index], flags: more, handle)
                }
                if error != 0 { throw ZeroMQError.libzmq("send", socket: label, errno: error) }
            }
            return true
        }
    }

    /// One frame to libzmq; returns 0 or the errno (never `EINTR`: ``LibZMQCall`` retries it).
    ///
    /// Only storage whose lifetime the library owns is handed over by reference: a received
    /// frame's libzmq message (shared), or a ``FrameBuffer`` of at least
    /// ``Frame/zeroCopyThreshold`` bytes. Everything else is copied by `zmq_send`, while
    /// `withUnsafeBytes` keeps the bytes valid.
    private func sendFrame(_ frame: Frame, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        switch frame.storage {
        case .received(let received):
            return sendShared(received, flags: flags, handle)
        case .buffer(let buffer) where buffer.count >= Frame.zeroCopyThreshold:
            return sendZeroCopy(buffer, flags: flags, handle)
        default:
            return frame.withUnsafeBytes { buffer in
                // zmq_send copies. libzmq explicitly allows (NULL, 0) for an empty frame.
                LibZMQCall.errno(of: { zmq_send(handle, buffer.baseAddress, buffer.count, flags) })
            }
        }
    }

    /// Resends a received frame: the new message shares libzmq's content (no copy).
    private func sendShared(_ received: ReceivedMessage, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        var error = LibZMQCall.errno(of: { received.copy(into: &message) })
        if error == 0 { error = LibZMQCall.errno(of: { zmq_msg_send(&message, handle, flags) }) }
        if error != 0 { zmq_msg_close(&message) }
        return error
    }

    /// Hands `buffer` to libzmq by reference. The libzmq message holds one retain of the buffer,
    /// which its free function releases exactly once: when libzmq is done with the bytes
    /// (possibly on one of its I/O threads; releasing a Swift object is thread-safe), when
    /// `zmq_msg_close` drops a message that was not sent, or here at once when libzmq refuses to
    /// make the message.
    private func sendZeroCopy(_ buffer: FrameBuffer, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        var message = zmq_msg_t()
        let hint = Unmanaged.passRetained(buffer).toOpaque()
        let made = LibZMQCall.errno(of: {
            zmq_msg_init_data(&message, UnsafeMutableRawPointer(mutating: buffer.base), buffer.count, { _, hint in
                guard let hint else { return }
                Unmanaged<FrameBuffer>.fromOpaque(hint).release()
            }, hint)
        })
        guard made == 0 else {
            Unmanaged<FrameBuffer>.fromOpaque(hint).release()
            return made
        }
        let error = LibZMQCall.errno(of: { zmq_msg_send(&message, handle, flags) })
        if error != 0 { zmq_msg_close(&message) }  // calls the free function, which releases the buffer
        return error
    }
}
