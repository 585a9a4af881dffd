import Foundation

/// The JSON form of a ``RemoteError`` on the wire: `{"code": "...", "message": "..."}`, the
/// same whatever codec carries requests and responses.
enum RemoteErrorJSON {
    static func encode(_ error: RemoteError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Two strings always encode; the fallback only keeps this total.
        return (try? Array(encoder.encode(error))) ?? Array(#"{"code":"internal-error","message":""}"#.utf8)
    }

    static func decode(_ bytes: [UInt8]) throws -> RemoteError {
        try JSONDecoder().decode(RemoteError.self, from: Data(bytes))
    }
}
