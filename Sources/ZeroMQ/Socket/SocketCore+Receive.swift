import CZeroMQ
import DequeModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SocketCore {
    // MARK: Any thread

    /// The oldest message read ahead, if any. Safe from any thread: this is how a receive from
    /// an ordinary task gets a message without hopping to the loop.
    ///
    /// When the inbox drains to half of its bounds (``readAhead`` messages and ``readAheadBytes``
    /// bytes, both), a refill is queued on the loop, so that the loop reads the next batch while
    /// the consumer works through this one.
    @inline(__always)
    func takeFromInbox() -> Message? {
        guard inboxCount.load(ordering: .relaxed) > 0 else { return nil }
        let (message, refill) = inbox.withLock { inbox -> (Message?, Bool) in
            guard let message = inbox.messages.popFirst() else { return (nil, false) }
            let count = inbox.messages.count
            inboxCount.store(count, ordering: .relaxed)
            let size = message.byteCount
            inbox.bytes -= size
            // Once per fall below half: this take crossed into the half-full region.
            let halfCount = readAhead / 2, halfBytes = readAheadBytes / 2
            guard readAhead > 1, !inbox.refillScheduled,
                  count <= halfCount, inbox.bytes <= halfBytes,
                  count + 1 > halfCount || inbox.bytes + size > halfBytes
            else {
                return (message, false)
            }
            inbox.refillScheduled = true
            refilling.store(true, ordering: .relaxed)
            return (message, true)
        }
        if refill { loop.execute { [self] in self.refillInbox() } }
        return message
    }

    /// The oldest message read ahead, waiting up to ``refillWaitLimit`` for a refill the loop is
    /// about to make or making; nil when none is in progress or it brought nothing in time (the
    /// caller then waits on the loop). Off the loop only.
    ///
    /// A consumer that drains the inbox faster than the loop refills it would otherwise park its
    /// thread about once per batch and need a wake-up from the loop; waiting here, yielding the
    /// core on every look, costs less than that and only happens while the loop works for this
    /// socket (in three A/B runs of `zmq-bench`, tcp 64 B, an ordinary-task `AsyncSequence` went
    /// from 1.9–2.3 to 2.8–4.1 M msg/s, and `receive()` in a loop from 1.4–2.0 to 1.9–3.0).
    func takeFromInboxDuringRefill() -> Message? {
        guard refilling.load(ordering: .acquiring) else { return nil }
        let deadline = ContinuousClock.now + Self.refillWaitLimit
        repeat {
            sched_yield()
            if let message = takeFromInbox() { return message }
        } while refilling.load(ordering: .acquiring) && ContinuousClock.now < deadline
        // The refill may have published its last messages just before it ended.
        return takeFromInbox()
    }

    /// Moves every read-ahead message into `batch` (which must be empty) in one locked step: how
    /// a ``MessageSequence`` iterator takes messages off the loop without a lock per message.
    ///
    /// The inbox is left empty, so a refill is queued at once: the loop reads the next batch
    /// while the iterator works through this one. Each batch taken is counted in
    /// ``Inbox/lentBatches`` until the iterator comes back for more (`returning` its used-up
    /// batch) or gives it back with ``restoreLent(_:wasLent:)``.
    ///
    /// - Returns: whether a batch was taken.
    func lendInbox(into batch: inout Deque<Message>, returning usedUp: Bool) -> Bool {
        let (taken, refill) = inbox.withLock { inbox -> (Bool, Bool) in
            if usedUp { inbox.lentBatches -= 1 }
            guard !inbox.messages.isEmpty else { return (false, false) }
            swap(&inbox.messages, &batch)
            inbox.bytes = 0
            inboxCount.store(0, ordering: .relaxed)
            inbox.lentBatches += 1
            guard readAhead > 1, !inbox.refillScheduled else { return (true, false) }
            inbox.refillScheduled = true
            refilling.store(true, ordering: .relaxed)
            return (true, true)
        }
        if refill { loop.execute { [self] in self.refillInbox() } }
        return taken
    }

    /// The loop-thread counterpart of ``lendInbox(into:returning:)``, for an iterator running on
    /// the loop (a task preferring its task executor, code isolated to one of its sockets): fills
    /// `batch` (which must be empty) with the whole inbox when it holds messages, else with up to
    /// ``readAhead`` messages taken from libzmq now, in one burst. The core is the caller's to
    /// touch, and the iterator then hands them out without an `await` that could suspend: no
    /// call into the socket per message, and no hop back to the caller's executor after one.
    ///
    /// - Returns: whether a batch was taken; false when the caller must go through
    ///   ``Socket/receive()``: nothing is there, other receivers wait (they come first), or
    ///   libzmq reports an error, which that receive then reports.
    func lendBatchOnLoop(into batch: inout Deque<Message>, returning usedUp: Bool) -> Bool {
        if inboxCount.load(ordering: .relaxed) > 0 {
            return lendInbox(into: &batch, returning: usedUp)
        }
        if let handle = confined.handle, confined.receivers.isEmpty {
            // An error ends the burst; the receive the caller falls back to reports it again.
            var bytes = 0
            while batch.count < readAhead, bytes < readAheadBytes, let message = try? receiveMessage(handle) {
                bytes += message.byteCount
                batch.append(message)
            }
        }
        // Streaming, a used-up batch is replaced by a new one: the lent count stays as it is, and
        // the lock is taken only when it changes.
        if usedUp != !batch.isEmpty {
            let change = batch.isEmpty ? -1 : 1
            inbox.withLock { $0.lentBatches += change }
        }
        return !batch.isEmpty
    }

    /// Gives back what an iterator's batch still holds when the iterator is dropped (the loop
    /// was left early), so the next receive gets those messages first. Safe from any thread.
    ///
    /// Nothing older than these messages can be in the inbox (the iterator took it whole), so
    /// they go in front. Receivers that started waiting meanwhile are then served from them, on
    /// the loop. Messages given back to a closed socket are dropped, like the rest of its inbox.
    func restoreLent(_ batch: inout Deque<Message>, wasLent: Bool) {
        let bytes = batch.reduce(0) { $0 + $1.byteCount }
        let serve = inbox.withLock { inbox -> Bool in
            if wasLent { inbox.lentBatches -= 1 }
            guard !batch.isEmpty, !inbox.closed else { return false }
            inbox.messages.prepend(contentsOf: batch)
            inbox.bytes += bytes
            inboxCount.store(inbox.messages.count, ordering: .relaxed)
            return true
        }
        batch.removeAll()
        if serve { loop.execute { [self] in self.serveReceiversFromInbox() } }
    }

    // MARK: Loop thread

    /// Hands inbox messages to waiting receivers, in order (after ``restoreLent(_:wasLent:)``).
    private func serveReceiversFromInbox() {
        while !confined.receivers.isEmpty, let message = takeFromInbox() {
            takeFirst(from: \.receivers)?.continuation.resume(returning: message)
        }
        refreshInterest()
    }

    /// A message available right now, or nil when the caller must wait.
    ///
    /// Keeps order: nothing is returned while other receivers wait, and read-ahead messages come
    /// before libzmq's. When `readAhead` > 1, up to `readAhead - 1` further messages are taken
    /// into the inbox for the next receives. With `askingLibzmq` false only the inbox is looked at.
    func receiveImmediately(readAhead: Int, askingLibzmq: Bool = true) throws(ZeroMQError) -> Message? {
        let handle = try liveHandle(for: "receive")
        guard confined.receivers.isEmpty else { return nil }
        if let message = takeFromInbox() { return message }
        guard askingLibzmq, let message = try receiveMessage(handle) else { return nil }
        // The inbox is empty (taken above): it gets the rest of a batch that began with `message`.
        if readAhead > 1 { fillInbox(handle, upTo: readAhead - 1, bytes: readAheadBytes - message.byteCount) }
        return message
    }

    /// Queues a receiver that waits for readiness (or its timeout, or cancellation).
    func enqueueReceiver(
        id: UInt64,
        continuation: UnsafeContinuation<Message, any Error>,
        timeout: Duration?,
        readAhead: Int
    ) {
        loop.preconditionOnLoop()
        if let refusal = refusalToWait("receive") {
            continuation.resume(throwing: refusal)
            return
        }
        // Other jobs may have run since the caller last looked (entering the wait can switch
        // jobs), among them a refill that read messages ahead. Those come first, and the poll
        // would never report them: waiting now would strand them (and this receiver).
        if confined.receivers.isEmpty, let message = takeFromInbox() {
            continuation.resume(returning: message)
            return
        }
        assert(inboxCount.load(ordering: .relaxed) == 0, "a receiver waits while the inbox holds messages")
        wait(ReceiveWaiter(continuation: continuation, readAhead: readAhead), id: id, timeout: timeout, in: \.receivers, operation: "receive")
    }

    /// A cancelled receive leaves the queue; the message it would have taken stays in libzmq for
    /// the next receive. A no-op when the receive already completed.
    func cancelReceiver(_ id: UInt64) {
        remove(id, from: \.receivers)?.continuation.resume(throwing: CancellationError())
    }

    /// Readable: hands messages to waiting receivers in FIFO order, a bounded number per turn.
    func serveReceivers() {
        guard let handle = confined.handle else { return }
        var budget = Self.servingBudget
        while budget > 0, let head = confined.receivers.first {
            budget -= 1
            let message: Message
            do {
                guard let received = try receiveMessage(handle) else { return }
                message = received
            } catch {
                takeFirst(from: \.receivers)?.continuation.resume(throwing: error)
                continue
            }
            _ = takeFirst(from: \.receivers)
            // Read ahead only once nobody else waits (keeps the inbox-is-empty-while-waiting rule).
            if confined.receivers.isEmpty, head.readAhead > 1 {
                fillInbox(handle, upTo: head.readAhead - 1, bytes: readAheadBytes - message.byteCount)
            }
            head.continuation.resume(returning: message)
        }
    }

    /// Tops the inbox up to ``readAhead`` messages, or ``readAheadBytes`` bytes, with what
    /// libzmq has now (never waits).
    private func refillInbox() {
        let room = inbox.withLock { inbox -> (messages: Int, bytes: Int) in
            inbox.refillScheduled = false
            return inbox.closed ? (0, 0) : (readAhead - inbox.messages.count, readAheadBytes - inbox.bytes)
        }
        defer {
            // Done, unless a consumer queued the next refill meanwhile.
            inbox.withLock { inbox in
                if !inbox.refillScheduled { refilling.store(false, ordering: .releasing) }
            }
        }
        // Waiting receivers come first: they are served by readiness, in order.
        guard room.messages > 0, room.bytes > 0, confined.receivers.isEmpty, let handle = confined.handle else { return }
        fillInbox(handle, upTo: room.messages, bytes: room.bytes)
    }

    /// Takes up to `limit` more messages from libzmq into the inbox, stopping once they hold
    /// `byteLimit` bytes or more (nothing when `byteLimit` is not positive).
    ///
    /// They are collected without the lock, then moved in one locked step: swapped in whole
    /// when the inbox is empty (the usual case when an iterator takes batches), else appended.
    private func fillInbox(_ handle: UnsafeMutableRawPointer, upTo limit: Int, bytes byteLimit: Int) {
        var bytes = 0
        while confined.readAheadScratch.count < limit, bytes < byteLimit {
            // An error here (there should be none after a successful receive) is left for the
            // next receive to report.
            guard let message = try? receiveMessage(handle) else { break }
            bytes += message.byteCount
            confined.readAheadScratch.append(message)
        }
        guard !confined.readAheadScratch.isEmpty else { return }
        inbox.withLock { inbox in
            if inbox.messages.isEmpty {
                swap(&inbox.messages, &confined.readAheadScratch)
            } else {
                inbox.messages.append(contentsOf: confined.readAheadScratch)
            }
            inbox.bytes += bytes
            inboxCount.store(inbox.messages.count, ordering: .relaxed)
        }
        confined.readAheadScratch.removeAll(keepingCapacity: true)
    }

    // MARK: libzmq

    /// Receives one whole message without blocking; nil on `EAGAIN`.
    func receiveMessage(_ handle: UnsafeMutableRawPointer) throws(ZeroMQError) -> Message? {
        var part = zmq_msg_t()
        zmq_msg_init(&part)
        defer { zmq_msg_close(&part) }
        guard try receivePart(&part, handle, flags: ZMQ_DONTWAIT) else { return nil }
        var more = zmq_msg_more(&part) != 0
        let first = makeFrame(&part)
        guard more else { return Message(first) }
        // Room for four frames at once (an envelope, a delimiter and a body or two) rather
        // than growing from one: three reallocations fewer for a typed request's five.
        var frames: [Frame] = []
        frames.reserveCapacity(4)
        frames.append(first)
        while more {
            // libzmq delivers multipart messages atomically: once the first part has arrived, so
            // have the others, and this never waits.
            guard try receivePart(&part, handle, flags: ZMQ_DONTWAIT) else { break }
            more = zmq_msg_more(&part) != 0
            frames.append(makeFrame(&part))
        }
        return Message(frames: frames)
    }

    /// One `zmq_msg_recv`; false on `EAGAIN`.
    private func receivePart(_ part: inout zmq_msg_t, _ handle: UnsafeMutableRawPointer, flags: Int32) throws(ZeroMQError) -> Bool {
        switch try LibZMQCall.nonBlocking("receive", socket: label, { zmq_msg_recv(&part, handle, flags) }) {
        case .done: true
        case .wouldBlock: false
        }
    }

    /// Small frames are copied into an array (one allocation, libzmq's message freed at once);
    /// large ones keep libzmq's message and are read in place.
    private func makeFrame(_ part: inout zmq_msg_t) -> Frame {
        let size = zmq_msg_size(&part)
        guard confined.keepsMetadata || size > Frame.copyLimit else {
            guard size > 0, let source = zmq_msg_data(&part) else { return Frame(storage: .bytes([])) }
            if size <= InlineBytes.capacity {
                return Frame(storage: .inline(InlineBytes(copying: source, count: size)))
            }
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                if let target = buffer.baseAddress { memcpy(target, source, size) }
                count = size
            }
            return Frame(storage: .bytes(bytes))
        }
        return Frame(storage: .received(ReceivedMessage(moving: &part)))
    }
}
