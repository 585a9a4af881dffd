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
        try call(.bind, endpoint, zmq_bind)
        return (try? stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT")) ?? endpoint
    }

    /// Validates `endpoint` and connects.
    func connect(_ endpoint: String) throws(ZeroMQError) {
        try call(.connect, endpoint, zmq_connect)
    }

    /// Validates `endpoint` and unbinds.
    func unbind(_ endpoint: String) throws(ZeroMQError) {
        try call(.unbind, endpoint, zmq_unbind)
    }

    /// Validates `endpoint` and disconnects.
    func disconnect(_ endpoint: String) throws(ZeroMQError) {
        try call(.disconnect, endpoint, zmq_disconnect)
    }

    /// Validates `endpoint` for `use`, then calls libzmq's function for it. Before a bind or
    /// connect that makes libzmq resolve a host, checks that a file descriptor is free
    /// (``DescriptorCheck``).
    private func call(
        _ use: EndpointValidator.Use,
        _ endpoint: String,
        _ function: (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32
    ) throws(ZeroMQError) {
        let operation = use.rawValue
        try EndpointValidator.validate(endpoint, for: use, socket: label, type: type)
        let handle = try liveHandle(for: operation)
        let attaches = use == .bind || use == .connect
        if attaches { try DescriptorCheck.beforeResolving(endpoint, operation: operation, socket: label) }
        do throws(ZeroMQError) {
            try LibZMQCall.checked(operation, socket: label, endpoint: endpoint) { function(handle, endpoint) }
        } catch {
            throw attaches ? error.explainingMulticast() : error
        }
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
