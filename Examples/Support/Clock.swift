#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The current local time as C's `ctime()` prints it, without the newline: what Python's
/// `time.ctime()` returns and the seed tutorial's programs put in their messages,
/// for example `Wed Dec 25 17:23:56 2013`.
public func ctime() -> String {
    var now = time(nil)
    var buffer = [CChar](repeating: 0, count: 32)  // ctime_r needs at least 26
    guard ctime_r(&now, &buffer) != nil else { return "?" }
    var bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    while bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
    return String(decoding: bytes, as: UTF8.self)
}
