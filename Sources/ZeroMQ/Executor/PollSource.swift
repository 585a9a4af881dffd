/// What a poll loop polls besides its wake-up descriptor: a libzmq socket handle, the events
/// wanted, and what to do when it is ready (as swift-nio's `Selectable` is to its selector).
///
/// The loop sees sockets only through this protocol (``SocketCore`` conforms), so Executor/ does
/// not depend on Socket/. Every member is used on the loop thread only.
protocol PollSource: AnyObject {
    /// The libzmq socket handle to poll, or `nil` once it is closed (the loop skips it).
    var pollHandle: UnsafeMutableRawPointer? { get }
    /// The `zmq_poll` events wanted (`ZMQ_POLLIN`, `ZMQ_POLLOUT`); 0 wants nothing.
    var pollEvents: Int16 { get }
    /// `zmq_poll` reported `revents` for ``pollHandle``.
    func handleReady(_ revents: Int16)
}

/// The sources a loop polls, in poll-set order, with registration and removal in constant time.
///
/// A pure structure (no libzmq, no thread): ``PollRegistryTests`` exercise it with stand-ins.
struct PollRegistry {
    /// The registered sources, in the order they go into the poll set.
    private(set) var sources: [any PollSource] = []
    /// Each registered source's index in `sources`.
    private var slots: [ObjectIdentifier: Int] = [:]

    /// Whether `source` is registered.
    func contains(_ source: any PollSource) -> Bool {
        slots[ObjectIdentifier(source)] != nil
    }

    /// Registers `source` when it wants events and removes it when it wants none.
    ///
    /// - Returns: whether `source` is registered afterwards.
    @discardableResult
    mutating func update(_ source: any PollSource) -> Bool {
        let key = ObjectIdentifier(source)
        let wanted = source.pollEvents != 0
        if wanted, slots[key] == nil {
            slots[key] = sources.count
            sources.append(source)
        } else if !wanted, let slot = slots.removeValue(forKey: key) {
            let last = sources.count - 1
            if slot != last {
                sources[slot] = sources[last]
                slots[ObjectIdentifier(sources[slot])] = slot
            }
            sources.removeLast()
        }
        return wanted
    }

    /// Forgets every source.
    mutating func removeAll() {
        sources.removeAll()
        slots.removeAll()
    }
}
