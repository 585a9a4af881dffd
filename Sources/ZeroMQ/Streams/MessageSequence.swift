import DequeModule

/// The messages a socket receives, as an `AsyncSequence`; see ``Socket/messages``.
///
/// ```swift
/// for try await message in pull.messages {
///     print(message.string ?? "<\(message.byteCount) bytes>")
/// }
/// ```
///
/// This is the fastest way to receive from an ordinary task. Off the socket's loop, the iterator
/// takes everything the socket has read ahead in one step (one lock for the whole batch, no
/// thread hop) and the loop reads the next batch from libzmq meanwhile; only when nothing is
/// there does it wait on the loop. On the loop (code isolated to a socket of the loop, tasks
/// preferring its task executor) the iterator takes what libzmq has in one burst, up to
/// ``ContextConfiguration/receiveBatchSize`` messages (or
/// ``ContextConfiguration/receiveBatchByteLimit`` bytes), and hands them out without
/// suspending; it waits for readiness only when libzmq has nothing.
///
/// The sequence finishes (returns `nil`) when the socket is closed; other errors are thrown.
/// Breaking out of the loop loses nothing: messages the iterator still holds go back to the
/// socket, in order, for the next receive.
public struct MessageSequence<Role: ReceivingRole>: AsyncSequence, Sendable {
    public typealias Element = Message
    public typealias Failure = any Error

    @usableFromInline let socket: Socket<Role>

    @usableFromInline init(socket: Socket<Role>) {
        self.socket = socket
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(socket: socket)
    }

    /// Iterates over a socket's messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let socket: Socket<Role>
        @usableFromInline let batch: MessageBatch
        @usableFromInline var finished = false

        @usableFromInline init(socket: Socket<Role>) {
            self.socket = socket
            self.batch = MessageBatch(core: socket.core)
        }

        /// The next message, or `nil` once the socket is closed.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Message? {
            guard !finished else { return nil }
            if let message = batch.next() { return message }
            do {
                return try await socket.receive()
            } catch let error as ZeroMQError where error.isEndOfStream {
                finished = true
                return nil
            }
        }

        /// The next message, or `nil` once the socket is closed.
        @inlinable
        public mutating func next() async throws -> Message? {
            try await next(isolation: nil)
        }
    }
}

/// The read-ahead messages a ``MessageSequence`` iterator took from its socket in one step.
///
/// Used by one iterator at a time (iterators are not `Sendable`). When the iterator is dropped
/// with messages left, they go back to the socket (``SocketCore/restoreLent(_:wasLent:)``).
@usableFromInline
final class MessageBatch {
    private let core: SocketCore
    // Unchecked exclusivity: one iterator uses the batch at a time and no access overlaps
    // another (nothing here yields or calls back), so the per-access dynamic check, which showed
    // in profiles of the per-message path, proves nothing.
    @exclusivity(unchecked) private var messages = Deque<Message>()
    /// Whether `messages` came from the inbox and is still counted as lent there.
    @exclusivity(unchecked) private var holdsLent = false

    init(core: SocketCore) {
        self.core = core
    }

    deinit {
        if holdsLent || !messages.isEmpty {
            core.restoreLent(&messages, wasLent: holdsLent)
        }
    }

    /// The next message of the batch. When the batch is used up, the next one is taken in one
    /// step: off the loop, the socket's whole read-ahead inbox
    /// (``SocketCore/lendInbox(into:returning:)``); on the loop, what libzmq has now
    /// (``SocketCore/lendBatchOnLoop(into:returning:)``). `nil` when the caller must go through
    /// ``Socket/receive()`` (nothing there yet: it waits).
    @usableFromInline
    func next() -> Message? {
        if let message = messages.popFirst() { return message }
        if core.loop.isCurrentThread {
            // The loop's hand-out budget is spent: the caller's receive yields until the loop
            // has polled (fairness towards the loop's other sockets).
            if core.loop.mustYield {
                if holdsLent { core.restoreLent(&messages, wasLent: true) }
                holdsLent = false
                return nil
            }
            holdsLent = core.lendBatchOnLoop(into: &messages, returning: holdsLent)
            core.loop.countHandedOut(messages.count)
        } else {
            holdsLent = core.lendInbox(into: &messages, returning: holdsLent)
        }
        return messages.popFirst()
    }
}
