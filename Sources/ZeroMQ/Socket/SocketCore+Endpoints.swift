import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The libzmq side of ``Socket``'s endpoint methods. Loop thread only.
extension SocketCore {
    /// Validates `endpoint`, binds, and returns the endpoint bound (`ZMQ_LAST_ENDPOINT`).
    func bind(_ endpoint: String) throws(ZeroMQError) -> String {
        try EndpointValidator.validate(endpoint, for: .bind, socket: label, type: type)
        let handle = try liveHandle(for: "bind")
        try DescriptorCheck.beforeResolving(endpoint, operation: "bind", socket: label)
        do throws(ZeroMQError) {
            try LibZMQCall.checked("bind", socket: label, endpoint: endpoint) { zmq_bind(handle, endpoint) }
        } catch {
            throw error.explainingMulticast()
        }
        return (try? stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT")) ?? endpoint
    }

    /// Validates `endpoint` and connects.
    func connect(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .connect, socket: label, type: type)
        let handle = try liveHandle(for: "connect")
        try DescriptorCheck.beforeResolving(endpoint, operation: "connect", socket: label)
        do throws(ZeroMQError) {
            try LibZMQCall.checked("connect", socket: label, endpoint: endpoint) { zmq_connect(handle, endpoint) }
        } catch {
            throw error.explainingMulticast()
        }
    }

    /// Validates `endpoint` and unbinds.
    func unbind(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .unbind, socket: label, type: type)
        let handle = try liveHandle(for: "unbind")
        try LibZMQCall.checked("unbind", socket: label, endpoint: endpoint) { zmq_unbind(handle, endpoint) }
    }

    /// Validates `endpoint` and disconnects.
    func disconnect(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .disconnect, socket: label, type: type)
        let handle = try liveHandle(for: "disconnect")
        try LibZMQCall.checked("disconnect", socket: label, endpoint: endpoint) { zmq_disconnect(handle, endpoint) }
    }

    // MARK: Monitor

    /// Starts libzmq's monitor of this socket, publishing `kinds` of events on the inproc
    /// `endpoint` (`zmq_socket_monitor`).
    func startMonitor(publishingOn endpoint: String, kinds: Int32) throws(ZeroMQError) {
        let handle = try liveHandle(for: "monitor")
        try LibZMQCall.checked("monitor", socket: label, endpoint: endpoint) { zmq_socket_monitor(handle, endpoint, kinds) }
    }

    /// Stops libzmq's monitor of this socket; a no-op when there is none or the socket is closed.
    func stopMonitor() {
        guard let handle = confined.handle else { return }
        zmq_socket_monitor(handle, nil, 0)
    }
}

extension ZeroMQError {
    /// For the multicast transports, whose `EINVAL` covers everything OpenPGM dislikes, adds what
    /// to check to libzmq's reason.
    func explainingMulticast() -> ZeroMQError {
        guard errno == EINVAL, let endpoint, endpoint.hasPrefix("pgm://") || endpoint.hasPrefix("epgm://") else { return self }
        var error = self
        error.reason += "; OpenPGM refused the interface or group (the interface must be up and multicast-capable, the group a multicast address, and pgm:// needs raw-socket privileges)"
        return error
    }
}
