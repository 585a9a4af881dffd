// The anchor of the typed section: grpc-swift 2, the typed RPC a Swift server developer would
// pick instead, measured in the same run as the typed ZeroMQ calls. A unary echo over HTTP/2 on
// loopback (grpc-swift-nio-transport's Posix transport, plaintext), its service descriptor
// written by hand and its messages passed through as bytes (no protobuf, no codec), so that what
// is measured is gRPC's call machinery and transport, as `PassthroughCodec` measures ours.
//
// Two configurations: the transport's defaults (flush coalescing on, at most 100 µs of delay),
// and flush coalescing off on both ends (`connection.flushCoalescing = nil`), its best latency
// setting.
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// Bytes in, the same bytes out: both serializer and deserializer of the anchor's messages.
struct PassthroughBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { [UInt8]($0) }
    }
}

/// A service with one unary method that answers each request with its own bytes.
struct GRPCEchoService: RegistrableRPCService {
    static let method = MethodDescriptor(fullyQualifiedService: "zmqbench.Echo", method: "Unary")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.method, deserializer: PassthroughBytes(), serializer: PassthroughBytes()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: single.message))
        }
    }
}

enum GRPCAnchor {
    /// How both ends' HTTP/2 transports are configured.
    enum Configuration: Sendable {
        /// grpc-swift-nio-transport's defaults (flush coalescing on).
        case defaults
        /// Flush coalescing off on the client and the server.
        case noCoalescing
    }

    typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

    /// Runs an echo server on 127.0.0.1 (a free port) and a client connected to it around
    /// `body`, then shuts both down.
    static func withEcho<Result: Sendable>(
        _ configuration: Configuration, _ body: @Sendable (Client) async throws -> Result
    ) async throws -> Result {
        let coalescing = configuration == .defaults
        let server = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext,
                config: .defaults { if !coalescing { $0.connection.flushCoalescing = nil } }
            ),
            services: [GRPCEchoService()]
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            guard let port = try await server.listeningAddress?.ipv4?.port else {
                throw BenchError("grpc-swift 2: the echo server has no IPv4 listening address")
            }
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext,
                config: .defaults { if !coalescing { $0.connection.flushCoalescing = nil } }
            )
            let result = try await withGRPCClient(transport: transport) { client in try await body(client) }
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }

    /// One unary call carrying `payload`; checks that the echo has the same size.
    @inline(__always)
    static func echo(_ client: Client, _ payload: [UInt8]) async throws {
        let reply = try await client.unary(
            request: ClientRequest(message: payload), descriptor: GRPCEchoService.method,
            serializer: PassthroughBytes(), deserializer: PassthroughBytes(), options: .defaults
        ) { response in try response.message }
        guard reply.count == payload.count else {
            throw BenchError("grpc-swift 2 echo: reply of \(reply.count) bytes, expected \(payload.count)")
        }
    }

    /// `warmup` untimed, then `rounds` timed unary calls of `size` bytes, one in flight, from
    /// an ordinary task; each timed call in nanoseconds.
    static func roundTrips(_ configuration: Configuration, size: Int, warmup: Int, rounds: Int) async throws -> [UInt64] {
        try await withEcho(configuration) { client in
            try await Task.detached {
                let payload = [UInt8](repeating: 0x2A, count: size)
                var samples = [UInt64](repeating: 0, count: rounds)
                for round in 0..<(warmup + rounds) {
                    let start = monotonicNanoseconds()
                    try await echo(client, payload)
                    let elapsed = monotonicNanoseconds() - start
                    if round >= warmup { samples[round - warmup] = elapsed }
                }
                return samples
            }.value
        }
    }

    /// `calls` unary calls of `size` bytes from `callers` concurrent tasks (after a warm-up of
    /// 10 calls per caller); calls per second from the first timed call to the last reply.
    static func throughput(_ configuration: Configuration, size: Int, callers: Int, calls: Int) async throws -> Double {
        try await withEcho(configuration) { client in
            let payload = [UInt8](repeating: 0x2A, count: size)
            return try await timedConcurrentCalls(callers: callers, calls: calls) { _ in try await echo(client, payload) }
        }
    }
}

/// `calls` calls of `call` from `callers` concurrent tasks, after a warm-up of 10 calls per
/// caller; calls per second from the first timed call to the last one's return.
func timedConcurrentCalls(callers: Int, calls: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
    try await concurrently(callers: callers, calls: 10 * callers, call)
    let start = monotonicNanoseconds()
    try await concurrently(callers: callers, calls: calls, call)
    return Double(calls) / (Double(monotonicNanoseconds() - start) / 1e9)
}

/// Makes `calls` calls of `call` (given the call's number) from `callers` child tasks, each
/// taking the next number until all are taken; returns when all have returned.
func concurrently(callers: Int, calls: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws {
    let next = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<callers {
            group.addTask {
                while true {
                    let number = next.take()
                    guard number < calls else { return }
                    try await call(number)
                }
            }
        }
        try await group.waitForAll()
    }
}

/// A shared count that callers take numbers from.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// The next number (0, 1, 2, …).
    func take() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }
}
