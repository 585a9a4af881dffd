import Logging

/// A swift-log handler that keeps every record, for tests that check what was logged.
public struct CapturingLogHandler: LogHandler {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    /// Where the records go; shared by the copies swift-log makes of the handler.
    public final class Records: Sendable {
        private let records = Locked<[Record]>([])
        func append(_ record: Record) { records.withLock { $0.append(record) } }
        /// Every record so far, in order.
        public var all: [Record] { records.withLock { $0 } }
    }

    let records: Records
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        records.append(Record(level: event.level, message: "\(event.message)", metadata: merged))
    }

    /// A logger whose records land in the returned store.
    public static func logger() -> (Logger, Records) {
        let records = Records()
        return (Logger(label: "test") { _ in CapturingLogHandler(records: records) }, records)
    }
}
