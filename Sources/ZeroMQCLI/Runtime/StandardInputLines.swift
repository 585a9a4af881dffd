import Dispatch
import Foundation

/// The lines of standard input, as bytes without their `\n`, read on a thread of their own.
///
/// Reading blocks, and a blocked read must not hold one of the few threads Swift concurrency
/// runs tasks on; so a dedicated thread reads, and hands lines over through an `AsyncStream`.
/// It reads at most ``window`` lines ahead of the consumer, so a large file piped in is not
/// loaded into memory. The sequence ends at end of file. Iterate it once.
struct StandardInputLines: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = Never

    /// How many lines the reader may be ahead of the consumer.
    static let window = 64

    private let lines: AsyncStream<[UInt8]>
    private let credit: DispatchSemaphore

    /// Starts the reading thread.
    init() {
        // Starts at 0 and is raised to the window: libdispatch traps when a semaphore is freed
        // with a value below the one it was made with, as it would be at end of file.
        let credit = DispatchSemaphore(value: 0)
        for _ in 0..<Self.window { credit.signal() }
        let (lines, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let reader = Thread {
            while true {
                credit.wait()
                guard let line = Terminal.readLine() else { break }
                continuation.yield(line)
            }
            continuation.finish()
        }
        reader.name = "zmq-stdin"
        reader.start()
        self.lines = lines
        self.credit = credit
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lines: lines.makeAsyncIterator(), credit: credit)
    }

    /// Takes the lines one by one, letting the reader read one more for each.
    struct AsyncIterator: AsyncIteratorProtocol {
        var lines: AsyncStream<[UInt8]>.AsyncIterator
        let credit: DispatchSemaphore

        /// The next line, in the caller's isolation (no switch of executor when one is ready).
        mutating func next(isolation actor: isolated (any Actor)?) async -> [UInt8]? {
            guard let line = await lines.next(isolation: actor) else { return nil }
            credit.signal()
            return line
        }

        mutating func next() async -> [UInt8]? {
            await next(isolation: nil)
        }
    }
}
