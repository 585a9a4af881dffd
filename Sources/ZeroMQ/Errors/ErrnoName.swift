#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Symbolic names for the errno values libzmq and the system report.
enum ErrnoName {
    /// libzmq's private errno base (`ZMQ_HAUSNUMERO` in zmq.h); its own codes follow it.
    static let hausnumero: Int32 = 156_384_712
    static let EFSM: Int32 = hausnumero + 51
    static let ENOCOMPATPROTO: Int32 = hausnumero + 52
    static let ETERM: Int32 = hausnumero + 53
    static let EMTHREAD: Int32 = hausnumero + 54

    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
        EAGAIN: "EAGAIN", EPIPE: "EPIPE", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
        EEXIST: "EEXIST", ENODEV: "ENODEV", EINVAL: "EINVAL", EMFILE: "EMFILE", ENFILE: "ENFILE",
        ENOSPC: "ENOSPC", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ENOTSOCK: "ENOTSOCK",
        EMSGSIZE: "EMSGSIZE", EPROTONOSUPPORT: "EPROTONOSUPPORT", ENOTSUP: "ENOTSUP",
        EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL",
        ENETDOWN: "ENETDOWN", ENETUNREACH: "ENETUNREACH", ECONNABORTED: "ECONNABORTED",
        ECONNRESET: "ECONNRESET", ENOBUFS: "ENOBUFS", ENOTCONN: "ENOTCONN", ETIMEDOUT: "ETIMEDOUT",
        ECONNREFUSED: "ECONNREFUSED", EHOSTUNREACH: "EHOSTUNREACH", EINPROGRESS: "EINPROGRESS",
        EFSM: "EFSM", ENOCOMPATPROTO: "ENOCOMPATPROTO", ETERM: "ETERM", EMTHREAD: "EMTHREAD",
    ]

    /// The name of `errno`, or `errno <value>` for values without one.
    static func name(of errno: Int32) -> String {
        names[errno] ?? "errno \(errno)"
    }
}
