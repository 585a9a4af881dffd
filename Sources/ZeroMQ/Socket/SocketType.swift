import CZeroMQ

/// The libzmq socket types (all non-draft types of libzmq 4.3).
public struct SocketType: Hashable, Sendable, CustomStringConvertible {
    /// libzmq's number for the type (`ZMQ_PUSH`, ...).
    public let rawValue: Int32
    /// libzmq's short name: `PUSH`, `ROUTER`, ...
    public let name: String

    private init(_ rawValue: Int32, _ name: String) {
        self.rawValue = rawValue
        self.name = name
    }

    /// One end of an exclusive two-way channel.
    public static let pair = SocketType(ZMQ_PAIR, "PAIR")
    /// Publishes to every matching subscriber.
    public static let pub = SocketType(ZMQ_PUB, "PUB")
    /// Receives what publishers send under its subscriptions.
    public static let sub = SocketType(ZMQ_SUB, "SUB")
    /// A publisher that also receives subscription messages.
    public static let xpub = SocketType(ZMQ_XPUB, "XPUB")
    /// A subscriber that subscribes by sending subscription messages.
    public static let xsub = SocketType(ZMQ_XSUB, "XSUB")
    /// Sends a request, then receives its reply, in strict alternation.
    public static let req = SocketType(ZMQ_REQ, "REQ")
    /// Receives a request, then sends its reply, in strict alternation.
    public static let rep = SocketType(ZMQ_REP, "REP")
    /// Asynchronous request side: load-balances sends, fair-queues receives.
    public static let dealer = SocketType(ZMQ_DEALER, "DEALER")
    /// Asynchronous reply side: addresses peers by routing id.
    public static let router = SocketType(ZMQ_ROUTER, "ROUTER")
    /// Pipeline: distributes messages to pullers.
    public static let push = SocketType(ZMQ_PUSH, "PUSH")
    /// Pipeline: fair-queues messages from pushers.
    public static let pull = SocketType(ZMQ_PULL, "PULL")
    /// Raw TCP: frames are routing id plus bytes.
    public static let stream = SocketType(ZMQ_STREAM, "STREAM")

    /// Whether libzmq lets this type send.
    public var canSend: Bool { self != .sub && self != .pull }
    /// Whether libzmq lets this type receive.
    public var canReceive: Bool { self != .pub && self != .push }

    /// Whether the type alternates send and receive strictly (REQ, REP). Such sockets never take
    /// messages ahead of the caller, since libzmq would refuse the next receive until a send.
    var isLockstep: Bool { self == .req || self == .rep }

    /// Whether sends from outside the socket's loop may be queued for the loop (write-behind):
    /// the types whose sends libzmq fails only when the socket or context goes away. Not REQ and
    /// REP (`EFSM`) or STREAM (unknown peers). ROUTER only while ``SocketOption/routerMandatory``
    /// is off (without it libzmq drops a message for an unknown or full peer and reports no
    /// error; with it a send reports `EHOSTUNREACH` and waits at the high-water mark, which the
    /// caller must see): ``SocketCore`` stops queuing when the option is set.
    var allowsWriteBehind: Bool {
        self == .push || self == .pub || self == .xpub || self == .dealer || self == .pair || self == .xsub
            || self == .router
    }

    public var description: String { name }
}

/// What a ``Socket`` can do, fixed by its type parameter.
///
/// The roles are empty types; `Socket<PushRole>` (``PushSocket``) has `send` but no `receive`,
/// `Socket<PullRole>` (``PullSocket``) the reverse, so misuse that libzmq would reject at run time
/// does not compile.
public protocol SocketRole: Sendable {
    /// The libzmq socket type behind the role.
    static var type: SocketType { get }
}

/// A role whose sockets can send (every type but SUB and PULL).
public protocol SendingRole: SocketRole {}

/// A role whose sockets can receive (every type but PUB and PUSH).
public protocol ReceivingRole: SocketRole {}

/// A role whose sockets filter by subscriptions set with `subscribe(to:)` (SUB).
public protocol SubscribingRole: ReceivingRole {}

/// The PAIR role: ``PairSocket``.
public enum PairRole: SendingRole, ReceivingRole { public static var type: SocketType { .pair } }
/// The PUB role: ``PubSocket``.
public enum PubRole: SendingRole { public static var type: SocketType { .pub } }
/// The SUB role: ``SubSocket``.
public enum SubRole: SubscribingRole { public static var type: SocketType { .sub } }
/// The XPUB role: ``XPubSocket``.
public enum XPubRole: SendingRole, ReceivingRole { public static var type: SocketType { .xpub } }
/// The XSUB role: ``XSubSocket``.
public enum XSubRole: SendingRole, ReceivingRole { public static var type: SocketType { .xsub } }
/// The REQ role: ``ReqSocket``.
public enum ReqRole: SendingRole, ReceivingRole { public static var type: SocketType { .req } }
/// The REP role: ``RepSocket``.
public enum RepRole: SendingRole, ReceivingRole { public static var type: SocketType { .rep } }
/// The DEALER role: ``DealerSocket``.
public enum DealerRole: SendingRole, ReceivingRole { public static var type: SocketType { .dealer } }
/// The ROUTER role: ``RouterSocket``.
public enum RouterRole: SendingRole, ReceivingRole { public static var type: SocketType { .router } }
/// The PUSH role: ``PushSocket``.
public enum PushRole: SendingRole { public static var type: SocketType { .push } }
/// The PULL role: ``PullSocket``.
public enum PullRole: ReceivingRole { public static var type: SocketType { .pull } }
/// The STREAM role: ``StreamSocket``.
public enum StreamRole: SendingRole, ReceivingRole { public static var type: SocketType { .stream } }

/// An exclusive two-way channel to one peer (`ZMQ_PAIR`).
public typealias PairSocket = Socket<PairRole>
/// A publisher (`ZMQ_PUB`): sends only.
public typealias PubSocket = Socket<PubRole>
/// A subscriber (`ZMQ_SUB`): receives only, filtered by ``Socket/subscribe(to:)-4h2pj``.
public typealias SubSocket = Socket<SubRole>
/// An extended publisher (`ZMQ_XPUB`): sends messages, receives subscription messages.
public typealias XPubSocket = Socket<XPubRole>
/// An extended subscriber (`ZMQ_XSUB`): receives messages, sends subscription messages.
public typealias XSubSocket = Socket<XSubRole>
/// A requester (`ZMQ_REQ`): send, then receive, then send again.
public typealias ReqSocket = Socket<ReqRole>
/// A replier (`ZMQ_REP`): receive, then send, then receive again.
public typealias RepSocket = Socket<RepRole>
/// An asynchronous requester (`ZMQ_DEALER`).
public typealias DealerSocket = Socket<DealerRole>
/// An asynchronous replier that addresses peers by routing id (`ZMQ_ROUTER`).
public typealias RouterSocket = Socket<RouterRole>
/// The sending end of a pipeline (`ZMQ_PUSH`): sends only.
public typealias PushSocket = Socket<PushRole>
/// The receiving end of a pipeline (`ZMQ_PULL`): receives only.
public typealias PullSocket = Socket<PullRole>
/// Raw TCP connections (`ZMQ_STREAM`).
public typealias StreamSocket = Socket<StreamRole>
