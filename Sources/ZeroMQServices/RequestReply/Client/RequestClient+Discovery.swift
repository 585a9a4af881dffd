import Logging
import ZeroMQ

/// How a ``RequestClient`` finds its services on the LAN: the name they are announced under
/// (by a ``/ZeroMQ/Beacon`` beside each service) and the beacon settings to listen with.
///
/// ```swift
/// var configuration = RequestClientConfiguration(timeout: .seconds(2))
/// configuration.discovery = RequestClientDiscovery(serviceName: "calculator")
/// let client = try await RequestClient<Calculation, Answer>(context, connectingTo: [], configuration: configuration)
/// ```
///
/// The client's last endpoint is then `beacon://NAME`: one DEALER socket connected to every
/// service discovered under the name (requests go round-robin among those connected), and
/// disconnected from each one the beacon reports lost (silent for the silence timeout, or gone
/// with a goodbye). A request made while none is connected waits for one within its timeout.
/// Requests in flight to a service that is lost get no reply: they time out, and are retried
/// (on the services still there) as the ``RetryPolicy`` allows.
///
/// Beacons are unauthenticated (see ``/ZeroMQ/Beacon``): a forged beacon can make the client connect
/// to an address of the forger's choosing. Use CURVE with the server key you expect where that
/// matters.
public struct RequestClientDiscovery: Sendable {
    /// The service name to look for.
    public var serviceName: String
    /// Port, broadcast address and silence timeout of the listening beacon (it publishes
    /// nothing). The announcing beacons' interval should be well below the silence timeout.
    public var beacon: BeaconConfiguration

    /// Discovery of `serviceName` with the given beacon settings.
    public init(serviceName: String, beacon: BeaconConfiguration = BeaconConfiguration()) {
        self.serviceName = serviceName
        self.beacon = beacon
    }
}

extension RequestClient {
    /// Connects the discovery endpoint's socket to the services its beacon finds, and
    /// disconnects it from those lost, until the beacon closes (with the client).
    func followDiscovery() async {
        guard let beacon = discoveryBeacon, let serviceName = configuration.discovery?.serviceName else { return }
        let slot = sockets.count - 1
        // Peers announcing each endpoint: a service restarted with a new beacon is announced
        // by two instances until the old one falls silent, and disconnecting the endpoint then
        // would cut the new one off.
        var announcers: [String: Int] = [:]
        for await event in await beacon.events(forService: serviceName) {
            switch event {
            case .discovered(let peer):
                announcers[peer.endpoint, default: 0] += 1
                guard announcers[peer.endpoint] == 1 else { continue }
                do {
                    try await sockets[slot].connect(peer.endpoint)
                    logger.debug("connecting to a discovered service", metadata: ["zmq.peer": "\(peer)"])
                } catch {
                    discoveryLog.log(
                        logger, level: .info, "could not connect to a discovered service",
                        metadata: ["zmq.peer": "\(peer)", "zmq.error": "\(error)"]
                    )
                }
            case .lost(let peer, let reason):
                announcers[peer.endpoint, default: 1] -= 1
                guard announcers[peer.endpoint] == 0 else { continue }
                announcers[peer.endpoint] = nil
                // Not connected any more whatever the monitor says (a peer that vanished
                // without closing its connection sends no disconnection).
                tracker.peerGone(slot, peer: peer.endpoint)
                guard reason != .beaconClosed else { continue }
                do {
                    try await sockets[slot].disconnect(peer.endpoint)
                    logger.debug(
                        "disconnected from a lost service", metadata: ["zmq.peer": "\(peer)", "zmq.reason": "\(reason)"]
                    )
                } catch {
                    logger.debug(
                        "disconnecting from a lost service failed", metadata: ["zmq.peer": "\(peer)", "zmq.error": "\(error)"]
                    )
                }
            }
        }
    }
}
