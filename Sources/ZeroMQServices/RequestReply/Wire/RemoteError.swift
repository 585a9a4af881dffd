/// An error a service sent back instead of a response: the typed value of a failed request.
///
/// A handler throws one to tell the client what went wrong (`code` for programs, `message` for
/// people); the client gets it as ``RequestError/remoteError`` with code
/// ``RequestError/Code-swift.struct/remote``. On the wire it is a JSON object with these two
/// keys, whatever codec carries the requests (see Docs/WireProtocol.md).
///
/// ```swift
/// throw RemoteError(code: "division-by-zero", message: "cannot divide \(a) by zero")
/// ```
public struct RemoteError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    /// A short, stable, machine-readable name of the failure, such as `"not-found"`.
    public var code: String
    /// A human-readable explanation.
    public var message: String

    /// Makes an error to send back.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// The code the service sends when it cannot decode a request (wrong frames or bytes).
    public static let badRequestCode = "bad-request"
    /// The code the service sends when its handler throws an error that is not a
    /// ``RemoteError``. The error itself stays in the service's log.
    public static let internalErrorCode = "internal-error"
    /// The code the service sends when it cannot encode the handler's response.
    public static let unencodableResponseCode = "unencodable-response"
    /// The code a streaming service sends to a request that does not ask for a stream
    /// (``RequestClient/stream(_:headers:timeout:credit:_:)`` asks for one).
    public static let streamRequiredCode = "stream-required"
    /// The code that ends a server stream when its service shuts down.
    public static let shuttingDownCode = "shutting-down"
    /// The code that ends a server stream whose caller granted no credit for
    /// ``RequestServiceConfiguration/streamCreditTimeout``.
    public static let streamStalledCode = "stream-stalled"
    /// The code a streaming service sends to a request that would open a stream beyond its
    /// ``RequestServiceConfiguration/maximumStreams``; the handler did not run, so the caller
    /// may try again later.
    public static let tooManyStreamsCode = "too-many-streams"

}
