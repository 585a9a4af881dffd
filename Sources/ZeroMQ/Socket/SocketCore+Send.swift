import CZeroMQ

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
    /// Sends what it can of `message` now; returns how many frames libzmq took.
    ///
    /// Returns 0 without sending while other senders wait (FIFO) or when libzmq is at its
    /// high-water mark. The first frame decides: libzmq counts its high-water mark in whole
    /// messages, so once the first frame is accepted the rest are too; a partial count is
    /// handled anyway, by finishing the message later.
    func sendImmediately(_ message: Message) throws(ZeroMQError) -> Int {
        let handle = try liveHandle(for: "send")
        guard senders.isEmpty else { return 0 }
        return try sendFrames(of: message, from: 0, handle)
    }

    /// Queues a sender that waits for `POLLOUT` (or its timeout, or cancellation).
    func enqueueSender(
        id: UInt64,
        continuation: UnsafeContinuation<Void, any Error>,
        message: Message,
        framesSent: Int,
        timeout: Duration?
    ) {
        loop.preconditionOnLoop()
        if framesSent == 0, Task.isCancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        guard handle != nil else {
            continuation.resume(throwing: ZeroMQError.closed("send", socket: label))
            return
        }
        var waiter = SendWaiter(id: id, continuation: continuation, message: message, framesSent: framesSent, timer: nil)
        if let timeout, framesSent == 0 {
            waiter.timer = loop.schedule(after: timeout) { [self] in
                self.removeSender(id)?.resume(
                    throwing: ZeroMQError.timedOut("send", socket: self.label, after: timeout)
                )
            }
        }
        senders.append(waiter)
        refreshInterest()
    }

    /// A cancelled send leaves the queue with nothing sent. Once its first frame is in libzmq
    /// it can no longer be abandoned (that would break the message), so it completes instead.
    func cancelSender(_ id: UInt64) {
        removeSender(id)?.resume(throwing: CancellationError())
    }

    private func removeSender(_ id: UInt64) -> UnsafeContinuation<Void, any Error>? {
        guard let index = senders.firstIndex(where: { $0.id == id }), senders[index].framesSent == 0 else {
            return nil
        }
        let waiter = senders.remove(at: index)
        if let timer = waiter.timer { loop.cancelTimer(timer) }
        refreshInterest()
        return waiter.continuation
    }

    /// Writable: sends waiting messages in FIFO order, a bounded number per turn.
    func serveSenders() {
        guard let handle else { return }
        var budget = Self.servingBudget
        while budget > 0, let head = senders.first {
            budget -= 1
            do {
                let sent = try sendFrames(of: head.message, from: head.framesSent, handle)
                guard sent == head.message.frameCount else {
                    if sent > head.framesSent {
                        senders[senders.startIndex].framesSent = sent
                        if let timer = head.timer { loop.cancelTimer(timer) }
                        senders[senders.startIndex].timer = nil
                    }
                    return
                }
                senders.removeFirst()
                if let timer = head.timer { loop.cancelTimer(timer) }
                head.continuation.resume()
            } catch {
                senders.removeFirst()
                if let timer = head.timer { loop.cancelTimer(timer) }
                head.continuation.resume(throwing: error)
            }
        }
    }

    // MARK: libzmq

    /// Sends frames `start...` of `message` without blocking; returns the index reached.
    private func sendFrames(of message: Message, from start: Int, _ handle: UnsafeMutableRawPointer) throws(ZeroMQError) -> Int {
        switch message.storage {
        case .single(let frame):
            let error = sendFrame(frame, flags: ZMQ_DONTWAIT, handle)
            if error == 0 { return 1 }
            if error == EAGAIN { return 0 }
            throw ZeroMQError.libzmq("send", socket: label, errno: error)
        case .multipart(let frames):
            guard !frames.isEmpty else {
                throw ZeroMQError(code: .invalidArgument, operation: "send", socket: label, reason: "a message needs at least one frame")
            }
            let last = frames.count - 1
            for index in start...last {
                let error = sendFrame(frames[index], flags: ZMQ_DONTWAIT | (index < last ? ZMQ_SNDMORE : 0), handle)
                if error == EAGAIN { return index }
                if error != 0 { throw ZeroMQError.libzmq("send", socket: label, errno: error) }
            }
            return frames.count
        }
    }

    /// One frame to libzmq; returns 0 or the errno. Retries `EINTR`.
    private func sendFrame(_ frame: Frame, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        while true {
            let error: Int32
            if case .received(let received) = frame.storage {
                error = sendShared(received, flags: flags, handle)
            } else if frame.count >= Frame.zeroCopyThreshold, let owner = FrameOwner(frame) {
                error = sendZeroCopy(owner, flags: flags, handle)
            } else {
                error = frame.withUnsafeBytes { buffer -> Int32 in
                    // zmq_send copies. libzmq explicitly allows (NULL, 0) for an empty frame.
                    let rc = zmq_send(handle, buffer.baseAddress, buffer.count, flags)
                    return rc >= 0 ? 0 : zmq_errno()
                }
            }
            if error != EINTR { return error }
        }
    }

    /// Resends a received frame: the new message shares libzmq's content (no copy).
    private func sendShared(_ received: ReceivedMessage, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        guard received.copy(into: &message) else {
            let error = zmq_errno()
            zmq_msg_close(&message)
            return error
        }
        guard zmq_msg_send(&message, handle, flags) >= 0 else {
            let error = zmq_errno()
            zmq_msg_close(&message)
            return error
        }
        return 0
    }

    /// Hands the frame's own buffer to libzmq; libzmq releases the owner when it is done with it
    /// (possibly on one of its I/O threads: releasing a Swift object is thread-safe).
    private func sendZeroCopy(_ owner: FrameOwner, flags: Int32, _ handle: UnsafeMutableRawPointer) -> Int32 {
        var message = zmq_msg_t()
        let hint = Unmanaged.passRetained(owner).toOpaque()
        let rc = zmq_msg_init_data(&message, UnsafeMutableRawPointer(mutating: owner.base), owner.count, { _, hint in
            guard let hint else { return }
            Unmanaged<FrameOwner>.fromOpaque(hint).release()
        }, hint)
        guard rc == 0 else {
            let error = zmq_errno()
            Unmanaged<FrameOwner>.fromOpaque(hint).release()
            return error
        }
        guard zmq_msg_send(&message, handle, flags) >= 0 else {
            let error = zmq_errno()
            zmq_msg_close(&message)  // calls the free function, which releases the owner
            return error
        }
        return 0
    }
}

/// Keeps a large frame's buffer alive while libzmq sends it without copying.
///
/// The buffer is the frame's own heap storage (an array's, a native string's or a `Data`'s),
/// held immutably here, so its address is stable for the owner's lifetime. Frames whose storage
/// is not contiguous and native (a bridged string) get no owner and are copied instead.
final class FrameOwner: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; libzmq only reads the bytes.
    private let frame: Frame
    let base: UnsafeRawPointer
    let count: Int

    init?(_ frame: Frame) {
        let base: UnsafeRawPointer?
        switch frame.storage {
        case .bytes(let bytes):
            base = bytes.withUnsafeBytes { $0.baseAddress }
        case .text(let text):
            base = text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        #if canImport(FoundationEssentials) || canImport(Foundation)
        case .data(let data):
            base = data.withUnsafeBytes { $0.baseAddress }
        #endif
        case .received:
            base = nil
        }
        guard let base else { return nil }
        self.frame = frame
        self.base = base
        self.count = frame.count
    }
}
