import ZeroMQSupport

/// The server streams of a running ``RequestService``: the shell of ``StreamCredits``, which
/// decides. This class holds it under a lock, suspends a stream's sender until its caller grants
/// credit, and resumes it or cancels the stream's task as the state machine says.
///
/// A sender waiting for credit gives its concurrency slot back (``ConcurrencyLimit``) and takes
/// one again before it goes on: otherwise streams whose callers read slowly could hold every
/// slot, the reader would wait for one, and the credit that would free them would never be
/// read.
final class StreamFlows: Sendable {
    /// A stream's key: the caller's routing ids and its request id (``WireFormat/Request/streamKey``).
    typealias Key = [[UInt8]]
    typealias Waiter = UnsafeContinuation<StreamTake, Never>

    private let credits: Lock<StreamCredits<Key, Waiter, HandlerTasks.Handle>>

    /// At most `limit` streams open at once, their windows adding up to at most
    /// `connectionLimit` per connection.
    init(limit: Int, connectionLimit: Int) {
        credits = Lock(StreamCredits(limit: limit, connectionLimit: connectionLimit))
    }

    /// A request opening a stream on `connection` (its routing ids) with `credit` arrived:
    /// opened, or refused (the caller has a stream of that id open already, or a limit is
    /// reached).
    func open(_ key: Key, connection: [[UInt8]], credit: Int) -> StreamCredits<Key, Waiter, HandlerTasks.Handle>.Opening {
        credits.withLock { $0.open(key, connection: connection, credit: credit) }
    }

    /// The caller granted `credit` more items.
    func grant(_ key: Key, credit: Int) {
        if case .resume(let waiter) = credits.withLock({ $0.grant(key, credit: credit) }) {
            waiter.resume(returning: .send)
        }
    }

    /// The caller cancelled: its sender stops and the handler's task is cancelled.
    func cancel(_ key: Key) {
        let (waiter, handle) = credits.withLock { $0.cancel(key) }
        waiter?.resume(returning: .stop(.cancelled))
        handle?.cancel()
    }

    /// The service shuts down: every stream stops at its next item.
    func shutDown() {
        for waiter in credits.withLock({ $0.shutDown() }) { waiter.resume(returning: .stop(.shuttingDown)) }
    }

    /// The stream's task started. Returns whether it stops at once (cancelled before).
    func attach(_ key: Key, handle: HandlerTasks.Handle) -> Bool {
        credits.withLock { $0.attach(key, handle: handle) }
    }

    /// Whether the stream's caller cancelled it, or its task was cancelled while it waited.
    func isCancelled(_ key: Key) -> Bool {
        credits.withLock { $0.isCancelled(key) }
    }

    /// Streams open (for tests).
    var count: Int { credits.withLock { $0.count } }

    /// Streams whose sender waits for its caller's credit (for tests).
    var waitingCount: Int { credits.withLock { $0.waitingCount } }

    /// The stream's task ended.
    func close(_ key: Key) {
        credits.withLock { $0.close(key) }
    }

    /// Returns when the stream may send one item (``StreamTake/send``, one credit
    /// used) or must stop; while it waits for credit, `limit`'s slot is given back. A wait
    /// longer than `stallTimeout` (`nil`: no bound) ends the stream: ``StreamStop/stalled``.
    func take(_ key: Key, limit: ConcurrencyLimit, stallTimeout: Duration?) async -> StreamTake {
        if Task.isCancelled {
            _ = credits.withLock { $0.abandon(key) }
            return .stop(.cancelled)
        }
        let now = credits.withLock { $0.take(key) }
        guard case .wait = now else { return now }
        limit.release()
        var stallTimer: Task<Void, Never>?
        let taken = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: Waiter) in
                let (now, wait) = credits.withLock { ($0.wait(key, with: continuation), $0.currentWait(of: key)) }
                guard case .wait = now else {
                    continuation.resume(returning: now)
                    return
                }
                if let stallTimeout, let wait {
                    // Ends this wait (not a later one) if no credit comes in time.
                    stallTimer = Task { [credits] in
                        do { try await Task.sleep(for: stallTimeout) } catch { return }
                        credits.withLock { $0.stall(key, wait: wait) }?.resume(returning: .stop(.stalled))
                    }
                }
            }
        } onCancel: {
            credits.withLock { $0.abandon(key) }?.resume(returning: .stop(.cancelled))
        }
        stallTimer?.cancel()
        await limit.acquire()
        return taken
    }
}
