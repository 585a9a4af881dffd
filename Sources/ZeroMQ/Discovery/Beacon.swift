import Logging
import ZeroMQSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds services on the local network, and announces them, with UDP broadcasts: the idea of
/// czmq's `zbeacon` and NetMQ's `NetMQBeacon`, with a frame of our own (``BeaconFrame``,
/// Docs/Discovery.md).
///
/// ```swift
/// // On the service's host:
/// let beacon = try Beacon(context)
/// try await beacon.publish(BeaconAnnouncement(serviceName: "calculator", port: 5560))
///
/// // Anywhere on the LAN:
/// let listener = try Beacon(context)
/// for await event in await listener.events(forService: "calculator") {
///     switch event {
///     case .discovered(let peer): print("up:", peer.endpoint)      // tcp://10.0.0.5:5560
///     case .lost(let peer, let reason): print("down:", peer.endpoint, reason)
///     }
/// }
/// ```
///
/// Every beacon listens: it reads every datagram on its port, keeps a table of the peers it
/// heard (``DiscoveredPeer``: source address, port, name, key) and reports each one discovered
/// once, then lost when it says goodbye or stays silent for
/// ``BeaconConfiguration/silenceTimeout``. A beacon that publishes sends its announcement at
/// once and then every ``BeaconConfiguration/interval``, and a goodbye when it stops.
///
/// - Threads: the beacon is an actor on one of its context's poll loops. Its UDP socket is
///   polled by that loop's `zmq_poll`, beside the libzmq sockets (no thread of its own), and its
///   send and expiry timers are the loop's timers.
/// - Lifetime: ``close()`` it (it keeps its loop's thread running until then). Event sequences
///   end when it closes.
/// - IPv4 only (broadcast has no IPv6 counterpart; IPv6 would need multicast).
///
/// **Security.** Beacons are not authenticated: anyone on the network can announce any name,
/// port and key, replay a real beacon, or forge goodbyes. Treat a discovered peer as a hint
/// where to connect, never as proof of who is there. When a beacon carries a CURVE public key,
/// connect with it as the server key: the CURVE handshake then proves the server holds the
/// matching secret key, so a forged beacon can waste a connection attempt but cannot
/// impersonate the service. Check the key against your own list when it matters which
/// service you reach.
public actor Beacon {
    /// The loop the beacon runs on.
    public nonisolated let loop: PollLoop
    /// Its configuration.
    public nonisolated let configuration: BeaconConfiguration
    /// Its instance id, sent in every datagram.
    public nonisolated let instance: BeaconInstanceID
    /// The UDP port it is bound to (the configured one, or the one picked for port 0).
    public nonisolated let port: UInt16

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    private nonisolated let socket: UDPSocket
    private nonisolated let destination: sockaddr_in
    private nonisolated let logger: Logger
    /// Receive failures are logged at most once per 10 s (they may repeat at every readiness).
    private nonisolated let receiveFailureLog = RateLimitedLog()

    private var table: BeaconPeerTable<ContinuousClock.Instant>
    /// The announcement's datagram while publishing.
    private var announcement: (frame: BeaconFrame, bytes: [UInt8])?
    private var publishTimer: PollLoop.ScheduledTimer?
    /// The expiry timer and when it fires.
    private var expiryTimer: (timer: PollLoop.ScheduledTimer, at: ContinuousClock.Instant)?
    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    private var isClosed = false
    private var receiveBuffer = [UInt8](repeating: 0, count: 1024)
    /// What has been sent and received so far.
    public private(set) var statistics = BeaconStatistics()

    private struct Subscriber {
        var serviceName: String?
        var continuation: AsyncStream<DiscoveryEvent>.Continuation
    }

    /// Datagrams read per loop turn at most (the rest next turn: other sockets get served).
    static let receiveBudget = 64

    /// Opens a beacon's UDP socket on `configuration.listenAddress`:`configuration.port` and
    /// starts listening; it sends nothing until ``publish(_:)``.
    ///
    /// - Parameters:
    ///   - context: the context whose poll loop runs the beacon.
    ///   - configuration: port, broadcast address, interval, silence timeout.
    ///   - loop: the loop to run on; by default the context's loops take turns.
    /// - Throws: ``ZeroMQError``: ``ZeroMQError/Code-swift.struct/invalidArgument`` for an
    ///   address that is not dotted IPv4 or a non-positive interval, timeout or peer limit;
    ///   ``ZeroMQError/Code-swift.struct/systemResource`` with the errno when the socket cannot
    ///   be opened or bound; ``ZeroMQError/Code-swift.struct/contextTerminated`` after shutdown.
    public init(_ context: Context, configuration: BeaconConfiguration = BeaconConfiguration(), on loop: PollLoop? = nil) throws {
        guard !context.isShutDown else {
            throw ZeroMQError(code: .contextTerminated, operation: "open beacon", reason: "the context was shut down")
        }
        for (value, name) in [(configuration.interval, "interval"), (configuration.silenceTimeout, "silence timeout")]
        where value <= .zero {
            throw ZeroMQError(code: .invalidArgument, operation: "open beacon", reason: "the \(name) must be positive, not \(value)")
        }
        guard configuration.maximumPeers > 0 else {
            throw ZeroMQError(code: .invalidArgument, operation: "open beacon", reason: "maximumPeers must be positive")
        }
        let destination = try UDPSocket.socketAddress(
            configuration.broadcastAddress, port: configuration.port, operation: "open beacon (broadcast address)"
        )
        let loop = try context.loop(for: loop)
        let socket = try UDPSocket(address: configuration.listenAddress, port: configuration.port)
        let port: UInt16
        do {
            port = try socket.boundPort()
        } catch {
            socket.close()
            throw error
        }
        var destinationWithPort = destination
        destinationWithPort.sin_port = port.bigEndian
        let instance = BeaconInstanceID.random()
        var logger = context.logger
        logger[metadataKey: "zmq.beacon"] = "\(instance)"
        self.loop = loop
        self.configuration = configuration
        self.instance = instance
        self.port = port
        self.socket = socket
        self.destination = destinationWithPort
        self.logger = logger
        self.table = BeaconPeerTable(
            silenceTimeout: configuration.silenceTimeout, maximumPeers: configuration.maximumPeers,
            ignoring: configuration.ignoresOwnBeacons ? instance : nil
        )
        loop.retainUser()
        // The watch holds the beacon weakly: a beacon nobody references is deinitialised, and
        // its deinit stops the watch and closes the socket.
        loop.execute { [weak self, loop] in
            guard let self else { return }
            loop.watch(readable: socket.descriptor) { [weak self] in
                self?.assumeIsolated { $0.readDatagrams() }
            }
        }
        logger.debug(
            "beacon listening",
            metadata: ["zmq.endpoint": "udp://\(configuration.listenAddress):\(port)", "zmq.loop": "\(loop.index)"]
        )
    }

    deinit {
        guard !isClosed else { return }
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        let loop = self.loop
        let socket = self.socket
        loop.execute {
            loop.stopWatching(socket.descriptor)
            socket.close()
            loop.releaseUser()
        }
    }

    // MARK: Publishing

    /// Starts announcing `announcement`: one datagram now, then one every interval, until
    /// ``stopPublishing()`` or ``close()``. Publishing again replaces the announcement
    /// (listeners report the old one lost, ``DiscoveryLossReason/replaced``, and the new one
    /// discovered).
    ///
    /// - Throws: ``BeaconFrameError`` when the announcement cannot be sent (port 0, an empty
    ///   or too long name, a control character in it, a key that is not 32 bytes);
    ///   ``ZeroMQError/Code-swift.struct/socketClosed`` after ``close()``.
    public func publish(_ announcement: BeaconAnnouncement) throws {
        guard !isClosed else { throw ZeroMQError(code: .socketClosed, operation: "publish beacon", reason: "the beacon was closed") }
        let frame = BeaconFrame(
            instance: instance, serviceName: announcement.serviceName, port: announcement.port,
            publicKey: announcement.publicKey
        )
        let bytes = try frame.encoded()
        self.announcement = (frame, bytes)
        logger.debug(
            "beacon publishing",
            metadata: ["zmq.service": "\(announcement.serviceName)", "zmq.port": "\(announcement.port)"]
        )
        if let publishTimer { loop.cancel(publishTimer) }
        announce()
    }

    /// Stops announcing, and sends a goodbye so that listeners report the service lost at once
    /// (those that miss it report it after their silence timeout). Does nothing when not
    /// publishing.
    public func stopPublishing() {
        guard let announcement else { return }
        if let publishTimer { loop.cancel(publishTimer) }
        publishTimer = nil
        self.announcement = nil
        var goodbye = announcement.frame
        goodbye.isGoodbye = true
        if let bytes = try? goodbye.encoded() { send(bytes) }
        logger.debug("beacon stopped publishing", metadata: ["zmq.service": "\(goodbye.serviceName)"])
    }

    /// Whether the beacon is publishing.
    public var isPublishing: Bool { announcement != nil }

    private func announce() {
        guard let announcement, !isClosed else { return }
        send(announcement.bytes)
        publishTimer = loop.schedule(after: configuration.interval) { [weak self] in
            self?.assumeIsolated { $0.announce() }
        }
    }

    private func send(_ bytes: [UInt8]) {
        if let error = socket.send(bytes, to: destination) {
            statistics.sendFailures += 1
            let failure = UDPSocket.systemError(
                "send beacon", endpoint: "udp://\(configuration.broadcastAddress):\(port)", errno: error
            )
            if statistics.sendFailures == 1 {
                logger.warning("sending a beacon failed", metadata: ["zmq.error": "\(failure)"])
            } else {
                logger.debug("sending a beacon failed", metadata: ["zmq.error": "\(failure)"])
            }
        } else {
            statistics.sent += 1
        }
    }

    // MARK: Listening

    /// The discoveries and losses of services named `serviceName` (of every service when
    /// `nil`), starting with a `.discovered` event for each matching peer already known.
    ///
    /// Each call makes a new sequence; several can be iterated at once. A sequence ends when
    /// the beacon closes (after a `.lost(_, reason: .beaconClosed)` for each peer still known),
    /// and stops receiving events when its iteration ends. Events are buffered without bound
    /// for a slow reader; the peer table's limit (``BeaconConfiguration/maximumPeers``) bounds
    /// how many peers can be announced at once.
    public func events(forService serviceName: String? = nil) -> AsyncStream<DiscoveryEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self)
        guard !isClosed else {
            continuation.finish()
            return stream
        }
        let id = nextSubscriber
        nextSubscriber += 1
        for peer in table.peers where serviceName == nil || peer.serviceName == serviceName {
            continuation.yield(.discovered(peer))
        }
        subscribers[id] = Subscriber(serviceName: serviceName, continuation: continuation)
        continuation.onTermination = { [weak self, loop] _ in
            guard let self else { return }
            loop.execute { self.assumeIsolated { $0.subscribers[id] = nil } }
        }
        return stream
    }

    /// The peers known now.
    public var peers: [DiscoveredPeer] { table.peers }

    /// Reads the datagrams waiting (up to a budget) and reports what they change.
    private func readDatagrams() {
        guard !isClosed else { return }
        for _ in 0..<Self.receiveBudget {
            switch socket.receive(into: &receiveBuffer) {
            case .empty:
                return
            case .failed(let error):
                receiveFailureLog.log(
                    logger, level: .info, "receiving a beacon failed",
                    metadata: ["zmq.error": "\(UDPSocket.systemError("receive beacon", endpoint: nil, errno: error))"]
                )
                return
            case .datagram(let length, let address):
                statistics.received += 1
                // A datagram longer than the buffer is cut to it: far longer than any beacon, it
                // fails to decode all the same.
                do {
                    let frame = try BeaconFrame(decoding: receiveBuffer.prefix(min(length, receiveBuffer.count)))
                    heard(frame, from: address)
                } catch {
                    statistics.rejected += 1
                    logger.debug("rejected a datagram", metadata: ["zmq.peer_address": "\(address)", "zmq.reason": "\(error)"])
                }
            }
        }
    }

    private func heard(_ frame: BeaconFrame, from address: String) {
        switch table.heard(frame, from: address, at: .now) {
        case .discovered(let peer):
            report(.discovered(peer))
        case .refreshed:
            break
        case .replaced(let old, let new):
            report(.lost(old, reason: .replaced))
            report(.discovered(new))
        case .lost(let peer):
            report(.lost(peer, reason: .goodbye))
        case .ignored(.own):
            statistics.ignoredOwn += 1
        case .ignored(.full):
            statistics.ignoredFull += 1
            if statistics.ignoredFull == 1 {
                logger.warning(
                    "beacon peer table full; ignoring new peers",
                    metadata: ["zmq.peer_address": "\(address)", "zmq.maximum_peers": "\(configuration.maximumPeers)"]
                )
            }
        case .ignored(.unknownGoodbye):
            break
        }
        scheduleExpiry()
    }

    /// Keeps one timer at (or before) the next peer's expiry.
    private func scheduleExpiry() {
        guard let next = table.nextExpiry else {
            if let expiryTimer { loop.cancel(expiryTimer.timer) }
            expiryTimer = nil
            return
        }
        if let expiryTimer {
            // A timer that fires earlier finds nothing to expire and comes back here.
            if expiryTimer.at <= next { return }
            loop.cancel(expiryTimer.timer)
        }
        let timer: PollLoop.ScheduledTimer = loop.schedule(after: max(.zero, ContinuousClock.now.duration(to: next))) { [weak self] in
            self?.assumeIsolated { $0.expire() }
        }
        expiryTimer = (timer, next)
    }

    private func expire() {
        expiryTimer = nil
        guard !isClosed else { return }
        for peer in table.expire(at: .now) {
            report(.lost(peer, reason: .silence))
        }
        scheduleExpiry()
    }

    private func report(_ event: DiscoveryEvent) {
        logger.debug("\(event)")
        for subscriber in subscribers.values where subscriber.serviceName == nil || subscriber.serviceName == event.peer.serviceName {
            subscriber.continuation.yield(event)
        }
    }

    // MARK: Closing

    /// Stops publishing (with a goodbye), reports every known peer lost
    /// (``DiscoveryLossReason/beaconClosed``), ends the event sequences and closes the socket.
    /// Closing twice does nothing.
    public func close() {
        guard !isClosed else { return }
        stopPublishing()
        for peer in table.removeAll() { report(.lost(peer, reason: .beaconClosed)) }
        isClosed = true
        if let expiryTimer { loop.cancel(expiryTimer.timer) }
        expiryTimer = nil
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers.removeAll()
        loop.stopWatching(socket.descriptor)
        socket.close()
        loop.releaseUser()
        logger.debug("beacon closed")
    }
}
