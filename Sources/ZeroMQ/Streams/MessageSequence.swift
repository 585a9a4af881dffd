/// The messages a socket receives, as an `AsyncSequence`; see ``Socket/messages``.
///
/// ```swift
/// for try await message in pull.messages {
///     print(message.string ?? "<\(message.byteCount) bytes>")
/// }
/// ```
///
/// Each iteration is a ``Socket/receive()``: it takes messages the socket has read ahead
/// without a thread hop, and reads a bounded batch from libzmq when there are none. The
/// sequence finishes (returns `nil`) when the socket is closed; other errors are thrown.
/// Breaking out of the loop loses nothing: messages read ahead stay with the socket.
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
        @usableFromInline var finished = false

        @usableFromInline init(socket: Socket<Role>) {
            self.socket = socket
        }

        /// The next message, or `nil` once the socket is closed.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Message? {
            guard !finished else { return nil }
            do {
                return try await socket.receive()
            } catch let error as ZeroMQError where error.code == .socketClosed || error.code == .contextTerminated {
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
