import ZeroMQ

/// The frames of the typed request/reply protocol; Docs/WireProtocol.md is the prose version.
///
/// ```
/// request (client → service):        [request id] [metadata]? [empty] [body …]
/// success (service → client):        [request id] [metadata]? [empty] [body …]
/// error   (service → client):        [request id] [metadata]? ["error"] [empty] [{"code": …, "message": …}]
///
/// server streaming (version 4), each metadata frame marked by `zmq-stream`:
/// open    (client → service):        [request id] [metadata: open, credit] [empty] [body …]
/// credit  (client → service):        [request id] [metadata: credit, count] [empty]
/// cancel  (client → service):        [request id] [metadata: cancel] [empty]
/// item    (service → client):        [request id] [metadata: zmq-reply, item] [empty] [body …]
/// end     (service → client):        [request id] [metadata: zmq-reply, end] [empty]
/// ```
///
/// The request id is the client's (8 bytes, big-endian). The metadata frame (version 2,
/// ``CallMetadata``) is optional. In a reply it is the echo of the request's, or (version 3) the
/// handler's headers in its place, marked by their first entry `zmq-reply`. A REP socket echoes
/// the envelope (every frame up to the empty delimiter), so a plain REP server answers in the
/// success form. The service echoes the envelope it received (routing ids and metadata
/// included; the metadata replaced by the handler's headers when it gave some) and, for an
/// error, adds the status frame `error` after it.
enum WireFormat {
    /// The status frame of an error reply.
    static let errorStatus: [UInt8] = Array("error".utf8)

    /// The bytes of a request id.
    static func idFrame(_ id: UInt64) -> Frame {
        withUnsafeBytes(of: id.bigEndian) { Frame(bytes: $0) }
    }

    /// The request id in `frame`, if it is one of ours (8 bytes).
    static func id(in frame: Frame) -> UInt64? {
        guard frame.count == 8 else { return nil }
        return frame.withUnsafeBytes { buffer in
            buffer.reduce(0) { ($0 << 8) | UInt64($1) }
        }
    }

    /// A request message, with a metadata frame when there is one.
    static func request(id: UInt64, metadata: Frame? = nil, body: [Frame]) -> Message {
        var frames: [Frame] = []
        frames.reserveCapacity(3 + body.count)
        frames.append(idFrame(id))
        if let metadata { frames.append(metadata) }
        frames.append(Frame([]))
        frames.append(contentsOf: body)
        return Message(frames: frames)
    }

    /// A message the client sends to steer the server stream `id` (version 4): more credit, or
    /// cancel.
    static func streamControl(id: UInt64, _ control: CallMetadata.Stream) -> Message {
        request(id: id, metadata: CallMetadata(stream: control).frame(), body: [])
    }

    /// What a reply says, as far as the client can tell without decoding the body.
    enum Reply {
        /// A response body, and the headers the handler sent with it (version 3).
        case success(id: UInt64, body: [Frame], headers: [String: String])
        /// One response of a server stream (version 4).
        case streamItem(id: UInt64, body: [Frame])
        /// The end of a server stream (version 4): every item came before it.
        case streamEnd(id: UInt64)
        /// An error reply; `body` should hold a JSON ``RemoteError``.
        case failure(id: UInt64, body: [Frame])
        /// A reply for request `id` whose envelope is not one of the two forms.
        case malformed(id: UInt64, frames: [Frame])
        /// Not a reply to any request of this client: no delimiter, or not our id.
        case foreign(reason: String)
    }

    /// Reads a reply received on the client's DEALER.
    static func parseReply(_ message: Message) -> Reply {
        let frames = message.frames
        guard let delimiter = frames.firstIndex(where: \.isEmpty) else {
            return .foreign(reason: "no empty delimiter frame in \(frames.count) frames")
        }
        guard delimiter > 0, let id = id(in: frames[0]) else {
            return .foreign(reason: "the first frame is not an 8-byte request id")
        }
        let body = Array(frames[(delimiter + 1)...])
        // A metadata frame is the handler's headers when it starts with the reply marker; any
        // other is the request's, echoed with the envelope, and is skipped.
        var status = 1
        var headers: [String: String] = [:]
        var stream: CallMetadata.Stream?
        if delimiter > 1, CallMetadata.isMetadata(frames[1]) {
            status = 2
            if CallMetadata.isReplyMetadata(frames[1]) {
                guard let metadata = try? CallMetadata(parsing: frames[1]) else {
                    return .malformed(id: id, frames: frames)
                }
                headers = metadata.headers
                stream = metadata.stream
            }
        }
        switch (delimiter - status, stream) {
        case (0, nil):
            return .success(id: id, body: body, headers: headers)
        case (0, .item?):
            return .streamItem(id: id, body: body)
        case (0, .end?) where body.isEmpty:
            return .streamEnd(id: id)
        case (1, nil) where frames[status].bytes == errorStatus:
            return .failure(id: id, body: body)
        default:
            return .malformed(id: id, frames: frames)
        }
    }

    /// A request as the service's ROUTER received it: the envelope (routing ids, then the
    /// client's request id if any, then its metadata frame if any) and the body after the
    /// delimiter.
    struct Request {
        var envelope: [Frame]
        var body: [Frame]
        /// The metadata the request carried: none (`nil`), read, or a reason it could not be.
        var metadata: Result<CallMetadata, CallMetadata.Malformed>?

        /// How many envelope frames come before the metadata frame (all, without one).
        private var idEnd: Int {
            if case .some = metadata { envelope.count - 1 } else { envelope.count }
        }

        /// The client's request id, for logs: the last envelope frame before the metadata, when
        /// it is 8 bytes.
        var requestID: UInt64? { idEnd > 1 ? WireFormat.id(in: envelope[idEnd - 1]) : nil }

        /// What the message is to a server stream (version 4), when its metadata says.
        var stream: CallMetadata.Stream? {
            if case .success(let metadata) = metadata { metadata.stream } else { nil }
        }

        /// The frames that name the stream this message opens or steers: the envelope before
        /// the metadata (the peer's routing ids and its request id), which is unique per
        /// connection and call.
        var streamKey: [[UInt8]] { envelope[..<idEnd].map(\.bytes) }

        /// The frames that name the caller's connection: the routing ids before its request id.
        var connectionKey: [[UInt8]] { envelope[..<max(0, idEnd - 1)].map(\.bytes) }
    }

    /// Splits a message received on the service's ROUTER, or `nil` when it has no delimiter
    /// (nothing to reply to: a REQ or DEALER peer always sends one).
    ///
    /// The last envelope frame is the request's metadata when it starts with the metadata
    /// magic and is not the routing id (the first frame, which the ROUTER added).
    static func parseRequest(_ message: Message) -> Request? {
        let frames = message.frames
        guard let delimiter = frames.firstIndex(where: \.isEmpty), delimiter > 0 else { return nil }
        var metadata: Result<CallMetadata, CallMetadata.Malformed>?
        if delimiter > 1, CallMetadata.isMetadata(frames[delimiter - 1]) {
            metadata = Result { () throws(CallMetadata.Malformed) in try CallMetadata(parsing: frames[delimiter - 1]) }
        }
        return Request(envelope: Array(frames[..<delimiter]), body: Array(frames[(delimiter + 1)...]), metadata: metadata)
    }

    /// A success reply to `request`, with the handler's `headers` in place of the request's
    /// metadata frame (version 3). A request without one (a client of version 1, a REQ socket,
    /// or one that sent neither headers nor its deadline) gets no headers back: it could not
    /// tell them from a status frame. The headers must have passed ``CallMetadata/validate(_:)``.
    static func success(to request: Request, body: [Frame], headers: [String: String] = [:]) -> Message {
        var frames = request.envelope
        if !headers.isEmpty, case .success = request.metadata {
            frames[frames.count - 1] = CallMetadata(headers: headers, isReply: true).frame()
        }
        frames.reserveCapacity(frames.count + 1 + body.count)
        frames.append(Frame([]))
        frames.append(contentsOf: body)
        return Message(frames: frames)
    }

    /// One response of the server stream `request` opened (version 4): the request's metadata
    /// frame replaced by the item marker.
    static func streamItem(to request: Request, body: [Frame]) -> Message {
        var frames = request.envelope
        frames[frames.count - 1] = CallMetadata(isReply: true, stream: .item).frame()
        frames.reserveCapacity(frames.count + 1 + body.count)
        frames.append(Frame([]))
        frames.append(contentsOf: body)
        return Message(frames: frames)
    }

    /// The end of the server stream `request` opened (version 4).
    static func streamEnd(to request: Request) -> Message {
        var frames = request.envelope
        frames[frames.count - 1] = CallMetadata(isReply: true, stream: .end).frame()
        frames.append(Frame([]))
        return Message(frames: frames)
    }

    /// An error reply to `request`. A metadata frame that could not be read, or that reads as
    /// a reply's (it starts with `zmq-reply`, which no client sends), is left out of the echoed
    /// envelope: the client would read it in turn as broken or as a stream's message, and miss
    /// the error.
    static func failure(to request: Request, error: RemoteError) -> Message {
        var frames = request.envelope
        switch request.metadata {
        case .failure?:
            frames.removeLast()
        case .success?:
            if let metadata = frames.last, CallMetadata.isReplyMetadata(metadata) { frames.removeLast() }
        case nil:
            break
        }
        frames.append(Frame(errorStatus))
        frames.append(Frame([]))
        frames.append(Frame(RemoteErrorJSON.encode(error)))
        return Message(frames: frames)
    }
}
