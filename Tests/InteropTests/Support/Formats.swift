import Foundation

/// The seed's message formats, parsed strictly: a line that does not match exactly is nil.
///
/// Times are C `ctime()` without the newline, as Python's `time.ctime()`: `Wed Dec 25 17:23:56 2013`
/// (the day of the month padded with a space).
enum Formats {
    /// `<kind>-Update! >> #<id> >> <ctime>` from a publisher: (1 or 2, id).
    static func update(_ line: String) -> (kind: Int, id: Int)? {
        guard let match = line.wholeMatch(of: #/([12])-Update! >> #(\d+) >> [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}/#),
            let kind = Int(match.1), let id = Int(match.2)
        else { return nil }
        return (kind, id)
    }

    /// `<id> - <ctime>` from a task manager: the id.
    static func task(_ line: String) -> Int? {
        guard let match = line.wholeMatch(of: #/(\d+) - [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}/#) else { return nil }
        return Int(match.1)
    }

    /// `<side> #<id> >> <ctime>` from a PAIR side: (side, id).
    static func pairMessage(_ line: String) -> (side: String, id: Int)? {
        guard let match = line.wholeMatch(of: #/(bind|connect) #(\d+) >> [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}/#),
            let id = Int(match.2)
        else { return nil }
        return (String(match.1), id)
    }

    /// The lines that start with `prefix`, without it; nil when any line does not.
    static func stripping(_ prefix: String, from lines: [String]) -> [String]? {
        var stripped: [String] = []
        for line in lines {
            guard line.hasPrefix(prefix) else { return nil }
            stripped.append(String(line.dropFirst(prefix.count)))
        }
        return stripped
    }
}

/// A wildcard TCP endpoint on loopback: the program binds a free port and prints it.
let anyLoopbackPort = "tcp://127.0.0.1:*"
