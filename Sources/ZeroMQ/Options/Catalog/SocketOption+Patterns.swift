import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): options of one
// socket type or pattern: subscriptions, routing ids, REQ, ROUTER, XPUB, ...

// MARK: - Pattern-specific

extension SocketOption where Value == [UInt8] {
    /// Adds a subscription: receive messages whose first frame starts with these bytes
    /// (`ZMQ_SUBSCRIBE`). Empty subscribes to everything. Write-only.
    ///
    /// For SUB sockets (and XPUB sockets in ``xpubManual`` mode). A new SUB socket receives
    /// nothing until it subscribes.
    public static var subscribe: SocketOption<[UInt8]> {
        .bytes("ZMQ_SUBSCRIBE", ZMQ_SUBSCRIBE, .write, maximumLength: 65536)
    }

    /// Removes one earlier, identical subscription (`ZMQ_UNSUBSCRIBE`). Write-only.
    ///
    /// For SUB sockets (and XPUB sockets in ``xpubManual`` mode).
    public static var unsubscribe: SocketOption<[UInt8]> {
        .bytes("ZMQ_UNSUBSCRIBE", ZMQ_UNSUBSCRIBE, .write, maximumLength: 65536)
    }

    /// The message an XPUB socket sends to every new subscriber (`ZMQ_XPUB_WELCOME_MSG`).
    /// Empty turns it off. Default: none. Write-only.
    ///
    /// The subscriber must subscribe to it to receive it.
    public static var xpubWelcomeMessage: SocketOption<[UInt8]> {
        .bytes("ZMQ_XPUB_WELCOME_MSG", ZMQ_XPUB_WELCOME_MSG, .write, maximumLength: 65536)
    }

    /// The routing id the next `connect` gives its peer (`ZMQ_CONNECT_ROUTING_ID`), so that
    /// messages can be sent to it at once. 1 to 255 bytes, not starting with a zero byte, and
    /// unique on the socket. Applies to the next connect only. Write-only.
    ///
    /// For ROUTER and STREAM sockets.
    public static var connectRoutingID: SocketOption<[UInt8]> {
        .boundedBytes("ZMQ_CONNECT_ROUTING_ID", ZMQ_CONNECT_ROUTING_ID, .write, lengths: 1...255, readLength: 255)
    }
}

extension SocketOption where Value == Bool {
    /// Whether a PUB, XPUB, SUB or XSUB socket inverts prefix matching, delivering only
    /// messages that match no subscription (`ZMQ_INVERT_MATCHING`). Publishers and subscribers
    /// must agree. Default `false`.
    public static var invertMatching: SocketOption<Bool> {
        .flag("ZMQ_INVERT_MATCHING", ZMQ_INVERT_MATCHING, .readWrite)
    }

    /// Whether an XPUB socket passes every subscribe message up to the application, not only
    /// new ones (`ZMQ_XPUB_VERBOSE`). Default `false`. Write-only.
    public static var xpubVerbose: SocketOption<Bool> {
        .flag("ZMQ_XPUB_VERBOSE", ZMQ_XPUB_VERBOSE, .write)
    }

    /// Whether an XPUB socket passes every subscribe and unsubscribe message up to the
    /// application (`ZMQ_XPUB_VERBOSER`). Default `false`. Write-only.
    public static var xpubVerboser: SocketOption<Bool> {
        .flag("ZMQ_XPUB_VERBOSER", ZMQ_XPUB_VERBOSER, .write)
    }

    /// Whether an XPUB socket fails sends with `EAGAIN` when a subscriber reaches its
    /// high-water mark, instead of dropping the message (`ZMQ_XPUB_NODROP`). Default `false`.
    /// Write-only.
    public static var xpubNoDrop: SocketOption<Bool> {
        .flag("ZMQ_XPUB_NODROP", ZMQ_XPUB_NODROP, .write)
    }

    /// Whether an XPUB socket leaves subscriptions to the application, which applies them with
    /// ``subscribe`` and ``unsubscribe`` after reading them (`ZMQ_XPUB_MANUAL`). Default
    /// `false`. Write-only.
    public static var xpubManual: SocketOption<Bool> {
        .flag("ZMQ_XPUB_MANUAL", ZMQ_XPUB_MANUAL, .write)
    }

    /// Whether a ROUTER socket fails sends to unknown routing ids with `EHOSTUNREACH` (and
    /// blocks or fails with `EAGAIN` at the high-water mark) instead of silently dropping them
    /// (`ZMQ_ROUTER_MANDATORY`). Default `false`. Write-only.
    public static var routerMandatory: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY, .write)
    }

    /// Whether a ROUTER socket hands a routing id over to a new peer that claims it, closing
    /// the old connection, instead of rejecting the newcomer (`ZMQ_ROUTER_HANDOVER`). Default
    /// `false`. Write-only.
    public static var routerHandover: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_HANDOVER", ZMQ_ROUTER_HANDOVER, .write)
    }

    /// Whether a ROUTER socket works in raw mode, exchanging bare TCP data without ZMTP
    /// (`ZMQ_ROUTER_RAW`). Default `false`. Write-only.
    @available(*, deprecated, message: "ZMQ_ROUTER_RAW is deprecated in libzmq; use a STREAM socket")
    public static var routerRaw: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_RAW", ZMQ_ROUTER_RAW, .write)
    }

    /// Whether a ROUTER, DEALER or REQ socket sends an empty message to each new peer when the
    /// connection is made, so a ROUTER learns of the peer at once (`ZMQ_PROBE_ROUTER`). Only
    /// for sockets that talk to ROUTER sockets. Default `false`. Write-only.
    public static var probeRouter: SocketOption<Bool> {
        .flag("ZMQ_PROBE_ROUTER", ZMQ_PROBE_ROUTER, .write)
    }

    /// Whether a REQ socket tags requests with an id and drops replies that do not match the
    /// latest request (`ZMQ_REQ_CORRELATE`). Default `false`. Write-only.
    public static var requestCorrelate: SocketOption<Bool> {
        .flag("ZMQ_REQ_CORRELATE", ZMQ_REQ_CORRELATE, .write)
    }

    /// Whether a REQ socket may send a new request before the reply to the last one arrives,
    /// abandoning it (`ZMQ_REQ_RELAXED`). Usually set with ``requestCorrelate``. Default
    /// `false`. Write-only.
    public static var requestRelaxed: SocketOption<Bool> {
        .flag("ZMQ_REQ_RELAXED", ZMQ_REQ_RELAXED, .write)
    }

    /// Whether a STREAM socket delivers an empty message when a peer connects or disconnects
    /// (`ZMQ_STREAM_NOTIFY`). Default `true`. Write-only.
    public static var streamNotify: SocketOption<Bool> {
        .flag("ZMQ_STREAM_NOTIFY", ZMQ_STREAM_NOTIFY, .write)
    }
}
