/// A response with the headers that travel back with it, like gRPC's response metadata.
///
/// A ``RequestService`` handler returns one to send headers back:
///
/// ```swift
/// let service = try await RequestService<Order, Receipt>(context, endpoints: [.bind("tcp://*:5555")]) { order, request in
///     let receipt = try await book(order)
///     return Reply(receipt, headers: ["served-by": hostName])
/// }
/// ```
///
/// and ``RequestClient/reply(for:headers:timeout:idempotent:)`` returns one:
///
/// ```swift
/// let reply = try await client.reply(for: order)
/// print(reply.response, reply.headers["served-by"] ?? "?")
/// ```
///
/// Header keys follow the rules of the request's: 1 to 255 lowercase ASCII letters, digits,
/// `-`, `_` or `.`, not starting with `zmq-`; at most 64 KiB in all. Headers travel with
/// responses only (an error reply carries none), and only to a caller that sends the metadata
/// frame of Docs/WireProtocol.md (``RequestClient`` always does for `reply(for:)`).
public struct Reply<Response: Sendable>: Sendable {
    /// The response.
    public var response: Response
    /// The headers sent with it: empty when the handler gave none, or when the service is of an
    /// earlier version or a plain REP server.
    public var headers: [String: String]

    /// A response with headers to send back.
    public init(_ response: Response, headers: [String: String] = [:]) {
        self.response = response
        self.headers = headers
    }
}

extension Reply: Equatable where Response: Equatable {}
extension Reply: Hashable where Response: Hashable {}
