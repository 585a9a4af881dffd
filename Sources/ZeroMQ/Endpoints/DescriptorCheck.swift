import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A check made before libzmq resolves a network endpoint.
///
/// libzmq 4.3.4 resolves the host of a `tcp` bind (and of a connect's source address, `udp`
/// binds, `ws`) as a network interface name first, with `getifaddrs`, which needs a descriptor
/// for a netlink socket; when the process has none left, libzmq aborts the process (an
/// `errno_assert` in `ip_resolver.cpp`) instead of failing the call. So when not even one
/// descriptor is free, fail here with a clear error. (Another thread could take the last one
/// between this check and libzmq's call; the check makes the abort unlikely, not impossible.)
enum DescriptorCheck {
    /// Throws `EMFILE` (or `ENFILE`) as ``ZeroMQError/Code-swift.struct/systemResource`` when no
    /// descriptor can be opened and `endpoint` makes libzmq look up network interfaces.
    static func beforeResolving(_ endpoint: String, operation: String, socket: String) throws(ZeroMQError) {
        guard !endpoint.hasPrefix("inproc://"), !endpoint.hasPrefix("ipc://") else { return }
        let probe = czmq_descriptor_probe()
        guard probe < 0 else {
            _ = close(probe)
            return
        }
        let error = czmq_errno()
        guard error == EMFILE || error == ENFILE else { return }
        throw ZeroMQError(
            code: .systemResource, operation: operation, socket: socket, endpoint: endpoint, errno: error,
            reason: "no file descriptor is free (\(ContextStorage.openFileLimitDescription)); "
                + "each socket needs one and each connection or listener one more: close some or raise the limit"
        )
    }
}
