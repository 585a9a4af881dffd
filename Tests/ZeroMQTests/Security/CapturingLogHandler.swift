import Logging
import ZeroMQTestSupport

/// A swift-log handler that keeps every record, for tests that check what was logged.
struct CapturingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    /// Where the records go; shared by the copies swift-log makes of the handler.
    final class Records: Sendable {
        private let records = Locked<[Record]>([])
        func append(_ record: Record) { records.withLock { $0.append(record) } }
        var all: [Record] { records.withLock { $0 } }
    }

    let records: Records
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        records.append(Record(level: event.level, message: "\(event.message)", metadata: merged))
    }

    /// A logger whose records land in the returned store.
    static func logger() -> (Logger, Records) {
        let records = Records()
        return (Logger(label: "test") { _ in CapturingLogHandler(records: records) }, records)
    }
}
