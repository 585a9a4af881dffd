import CZeroMQ
import Synchronization

extension Socket {
    /// Starts libzmq's monitor on this socket and returns its events.
    ///
    /// ```swift
    /// let monitor = try await dealer.monitor([.handshakeSucceeded, .disconnected])
    /// try await dealer.connect(endpoint)
    /// for try await event in monitor.events { print(event) }
    /// ```
    ///
    /// Start monitoring before `bind` or `connect` to see their events. libzmq sends the events
    /// over an inproc PAIR socket; the monitor's own PAIR socket reads them on this socket's
    /// loop. A socket has at most one monitor at a time.
    ///
    /// libzmq sends no event at all for inproc connections (no connect, handshake or
    /// disconnection), so code that waits for `handshakeSucceeded` must not wait for an
    /// `inproc://` peer.
    ///
    /// Events nobody reads wait in memory (the pipe has no limit: libzmq's sends would otherwise
    /// block its I/O thread once it is full, stalling every connection); close a monitor you no
    /// longer read.
    ///
    /// - Parameter kinds: which events to report (default: all).
    /// - Returns: the monitor; ``SocketMonitor/close()`` it when done (its events end then, and
    ///   after this socket is closed).
    /// - Throws: ``ZeroMQError`` when the socket is closed or libzmq refuses (`EINVAL`).
    public func monitor(_ kinds: SocketEvent.Kinds = .all) throws(ZeroMQError) -> SocketMonitor {
        let number = monitorNumbers.wrappingAdd(1, ordering: .relaxed).newValue
        let endpoint = "inproc://swift-zeromq.monitor.\(number)"
        try core.startMonitor(publishingOn: endpoint, kinds: Int32(kinds.rawValue))
        let pair: PairSocket
        do throws(ZeroMQError) {
            pair = try PairSocket(storage: core.context, loop: core.loop, logger: core.logger)
            // The pair is on this socket's loop, which runs this code: its core is ours to touch.
            // libzmq sends events with blocking sends, from its I/O thread: once the inproc pipe
            // is full (1000 + 1000 messages by default), a monitor nobody reads would stall every
            // connection of that I/O thread. No receive limit makes the pipe unbounded: unread
            // events cost memory instead (two small messages each; Docs/Monitoring.md).
            try pair.core.setRawOption(ZMQ_RCVHWM, name: "ZMQ_RCVHWM", .int32(0))
            try pair.core.connect(endpoint)
        } catch {
            core.stopMonitor()
            throw error
        }
        return SocketMonitor(pair: pair, socketLabel: core.label)
    }
}

/// Numbers for the monitors' inproc endpoints, unique in the process.
private let monitorNumbers = Atomic<UInt64>(0)

/// The events of a monitored socket (``Socket/monitor(_:)``).
public final class SocketMonitor: Sendable {
    private let pair: PairSocket
    private let socketLabel: String

    init(pair: PairSocket, socketLabel: String) {
        self.pair = pair
        self.socketLabel = socketLabel
    }

    /// The poll loop the monitor reads on (the monitored socket's).
    public var loop: PollLoop { pair.loop }

    /// The events, for `for try await`; the sequence ends after the monitored socket closes
    /// (its ``SocketEvent/Kinds-swift.struct/monitorStopped`` event) or when the monitor is closed.
    public var events: SocketEventSequence {
        pair.messages.mapped { message in
            // libzmq only sends well-formed events; anything else is skipped.
            guard let event = SocketEvent(message) else { return .skip }
            return event.kind == .monitorStopped ? .last(event) : .element(event)
        }
    }

    /// Stops reading events: ``events`` ends. Safe to call from anywhere, more than once; it
    /// takes effect on the loop (at once when called there).
    public func close() {
        let pair = self.pair
        if pair.loop.isCurrentThread {
            pair.assumeIsolated { $0.close() }
        } else {
            pair.loop.execute { pair.assumeIsolated { $0.close() } }
        }
    }
}

/// The events of a ``SocketMonitor``: ``SocketMonitor/events``.
public typealias SocketEventSequence = MappedMessageSequence<PairRole, SocketEvent>
