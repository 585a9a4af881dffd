/// How a ``Context`` is set up.
///
/// ```swift
/// var configuration = ContextConfiguration()
/// configuration.ioThreads = 2
/// configuration.pollLoops = 2
/// let context = try Context(configuration: configuration)
/// ```
public struct ContextConfiguration: Sendable {
    /// libzmq I/O threads (`ZMQ_IO_THREADS`). Default 1, libzmq's default; one handles about a
    /// gigabyte a second.
    public var ioThreads: Int = 1

    /// The most sockets the context may have open (`ZMQ_MAX_SOCKETS`). Default 1023, libzmq's.
    public var maximumSockets: Int = 1023

    /// Whether new sockets use IPv6 as well as IPv4 (`ZMQ_IPV6` on the context). Default off.
    public var ipv6: Bool = false

    /// Poll loops (threads) that own this context's sockets. Sockets are spread over them in turn,
    /// or placed on one with `Socket(context, on: loop)`. Default 1.
    public var pollLoops: Int = 1

    /// The linger used at ``Context/shutdown()`` (and when a socket is closed or dropped) for
    /// sockets whose own linger is infinite (libzmq's default), so that shutdown never hangs on
    /// a peer that will not come. Sockets with a finite linger keep theirs. Default 1 second.
    public var shutdownLinger: Duration = .seconds(1)

    /// How many messages a receive from outside the socket's loop may take from libzmq in one
    /// hop, keeping the rest for the next receives (which then need no hop). Bounds how far the
    /// library reads ahead of its consumer, together with ``receiveBatchByteLimit``, whichever
    /// is reached first. REQ and REP never read ahead. Default 1 024.
    ///
    /// The loop reads the next batch once the consumer has taken half of one, so the larger the
    /// batch, the fewer the wake-ups per message: in this package's benchmarks (64 B over
    /// loopback tcp, 2 cores), 1 024 instead of 256 took `receive()` from an ordinary task from
    /// a median of 2.7 to 3.2 M msg/s, and `messages` from 3.5 to 4.1 M.
    public var receiveBatchSize: Int = 1024

    /// How many bytes of message payload a socket may read ahead of its consumer: a batch ends
    /// at ``receiveBatchSize`` messages or at this many bytes, whichever comes first (a batch
    /// always takes at least one message, however large). Bounds the memory read-ahead holds
    /// per socket when messages are large. Default 16 MiB (256 messages of 64 KiB).
    public var receiveBatchByteLimit: Int = 16 << 20

    /// How many messages sends from outside a socket's loop may queue in the socket for the loop
    /// to hand to libzmq (write-behind), so that such a send needs no thread hop. Applies to PUSH,
    /// PUB, XPUB, DEALER, PAIR and XSUB, whose sends libzmq fails only when the socket closes;
    /// a send that finds the queue full waits on the loop as usual, so the bound is the
    /// backpressure. A queued message counts as sent, and at ``Socket/close()`` queued messages
    /// go to libzmq (and its linger) unless libzmq is at its high-water mark, in which case they
    /// are dropped and logged. 1 turns write-behind off. Default 256.
    public var sendBatchSize: Int = 256

    /// How long a poll loop keeps polling, instead of sleeping, after its last activity (a job it
    /// ran, a socket that became ready). Default zero: a loop sleeps as soon as it has nothing to
    /// do, and an idle context costs no CPU.
    ///
    /// This trades CPU for latency, like Linux's `busy_poll`. A task that is not on the loop
    /// reaches a sleeping loop through an eventfd write and a thread wake-up (about 20 µs on the
    /// 2-core virtual machine of this package's benchmarks, where a raw round trip takes about
    /// 90 µs); a busy-polling loop finds the job, or the reply on the wire, on its next turn. While
    /// traffic keeps coming more often than this duration, the loop's thread stays busy (it yields
    /// the core to other threads on turns with nothing to do), so each busy loop can cost up to one
    /// core. Worth it for request/reply from ordinary tasks when round-trip time matters more than
    /// CPU: in this package's benchmarks (64 B over loopback tcp, 2 cores) 50 µs took a
    /// `ReqSocket.request(_:)` round trip from an ordinary task from 1.2–1.3× raw libzmq's time to
    /// 0.7–0.8×, at about the same CPU per round trip. Must not be negative.
    ///
    /// ```swift
    /// var configuration = ContextConfiguration()
    /// configuration.busyPolling = .microseconds(50)
    /// let context = try Context(configuration: configuration)
    /// ```
    public var busyPolling: Duration = .zero

    /// A configuration with libzmq's defaults and one poll loop.
    public init() {}
}
