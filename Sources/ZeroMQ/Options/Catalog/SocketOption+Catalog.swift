// The catalog: every non-draft socket option of libzmq 4.3.4, typed.
//
// Access (read, write or both) follows what libzmq 4.3.4 actually accepts in
// `zmq_setsockopt` / `zmq_getsockopt`; durations are `Duration`, rounded down to libzmq's unit.
//
// Left out on purpose:
// - `ZMQ_FD` and `ZMQ_EVENTS`: the poll loop owns readiness; exposing them would let callers
//   race it.
// - `ZMQ_RCVTIMEO` and `ZMQ_SNDTIMEO`: this library never blocks in libzmq. It sends and
//   receives with `ZMQ_DONTWAIT` and does timeouts with its own timers, so these would have no
//   effect (or, worse, a confusing one).
// - `ZMQ_VMCI_*`: the VMCI transport is not built into Debian's libzmq.
// - `ZMQ_IPV4ONLY`: deprecated; it is the negation of ``SocketOption/ipv6``.
// - `ZMQ_BLOCKY`: a context option, not a socket option.
// - Aliases (`ZMQ_IDENTITY`, `ZMQ_CONNECT_RID`, `ZMQ_DELAY_ATTACH_ON_CONNECT`,
//   `ZMQ_FAIL_UNROUTABLE`, `ZMQ_ROUTER_BEHAVIOR`): same numbers as options listed here.
// - Everything under `ZMQ_BUILD_DRAFT_API` in zmq.h (`ZMQ_ROUTER_NOTIFY`, `ZMQ_METADATA`, ...):
//   draft API is not in Debian's libzmq build.
//
// The catalog lives in this folder, one file per kind of option:
// - SocketOption+Buffers.swift: high-water marks and kernel buffers;
// - SocketOption+Connection.swift: connecting, reconnecting, heartbeats, linger, handshakes;
// - SocketOption+Transport.swift: TCP, IPC and multicast;
// - SocketOption+Patterns.swift: options of one socket type or pattern;
// - SocketOption+Security.swift: PLAIN, CURVE, GSSAPI and the ZAP domain;
// - SocketOption+State.swift: read-only state;
// - SocketOption+Encoding.swift: the checks and conversions the options share.
