// Idle and memory: a framework context with 1000 (and separately 100) PULL sockets, each bound to
// inproc with a pending `receive()` task; after 200 ms to settle, the process CPU time (all
// threads) over 5 s (1 s with --quick) as a percentage of one core. Resident memory (VmRSS)
// before and after making the 1000 sockets gives the memory cost of 1000 sockets (the heap's
// free memory is returned to the system first, so earlier sections' freed memory cannot hide it).
import Foundation
import ZeroMQ

enum Idle {
    static let socketCounts = [1000, 100]

    struct Outcome {
        var rows: [IdleRow] = []
        var residentPer1000Sockets: Double?
    }

    static func run(_ settings: Settings) async throws -> Outcome {
        var outcome = Outcome()
        for sockets in socketCounts {
            Watchdog.shared.arm("idle \(sockets) sockets", seconds: 120)
            let (percent, residentGrowth) = try await measure(sockets: sockets, seconds: settings.idleSeconds)
            progress("idle \(sockets) sockets: \(Format.decimal(percent, 2)) % of a core")
            outcome.rows.append(IdleRow(sockets: sockets, seconds: settings.idleSeconds, corePercent: rounded(percent, 3)))
            if sockets == 1000 { outcome.residentPer1000Sockets = roundedIfPresent(residentGrowth, 2) }
        }
        Watchdog.shared.disarm()
        return outcome
    }

    /// Percent of one core used while `sockets` sockets wait, and the RSS their making added (MB).
    static func measure(sockets: Int, seconds: Double) async throws -> (Double, Double?) {
        SystemMetrics.releaseFreeMemory()
        let residentBefore = SystemMetrics.residentMegabytes()
        var configuration = ContextConfiguration()
        configuration.maximumSockets = sockets + 16
        let context = try Context(configuration: configuration)
        var waiters: [Task<Message, any Error>] = []
        for _ in 0..<sockets {
            let pull = try PullSocket(context)
            try await pull.bind(try Endpoints.shared.bindAddress(.inproc))
            waiters.append(Task.detached { try await pull.receive() })
        }
        try await Task.sleep(for: .milliseconds(200))
        let residentAfter = SystemMetrics.residentMegabytes()
        let before = SystemMetrics.cpuSeconds()
        let start = monotonicNanoseconds()
        try await Task.sleep(for: .seconds(seconds))
        let used = SystemMetrics.cpuSeconds() - before
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        await context.shutdown()
        for waiter in waiters { _ = try? await waiter.value }
        let growth = residentBefore.flatMap { before in residentAfter.map { $0 - before } }
        return (used / elapsed * 100, growth)
    }

    static func table(_ outcome: Outcome) -> TextTable {
        var table = TextTable([("sockets", .right), ("seconds", .right), ("% of one core", .right)])
        for row in outcome.rows {
            table.add(["\(row.sockets)", Format.decimal(row.seconds, 0), Format.decimal(row.corePercent, 3)])
        }
        return table
    }
}
