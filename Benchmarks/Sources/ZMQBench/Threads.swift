// Dedicated OS threads for the blocking raw-libzmq sides of every measurement, awaited from async
// code through a continuation (a cooperative-pool thread never blocks on libzmq); a one-shot gate
// for threads to wait on; and a watchdog that stops a run that hangs, naming the step.
import Dispatch
import Foundation
import Synchronization

/// A dedicated thread running blocking code; ``value()`` awaits its result without blocking.
final class RawThread<Value: Sendable>: Sendable {
    private enum State {
        case running(waiter: CheckedContinuation<Result<Value, any Error>, Never>?)
        case finished(Result<Value, any Error>)
    }

    private let state = Mutex<State>(.running(waiter: nil))

    /// Starts `body` on a new thread named `name` (visible in `top -H`, gdb).
    init(_ name: String, _ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Result { try body() }
            let waiter = state.withLock { state -> CheckedContinuation<Result<Value, any Error>, Never>? in
                guard case .running(let waiter) = state else { return nil }
                state = .finished(result)
                return waiter
            }
            waiter?.resume(returning: result)
        }
        thread.name = name
        thread.start()
    }

    /// What the thread's body returned, once it has; rethrows what it threw.
    func value() async throws -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, any Error>, Never>) in
            let done = state.withLock { state -> Result<Value, any Error>? in
                switch state {
                case .finished(let result):
                    return result
                case .running:
                    state = .running(waiter: continuation)
                    return nil
                }
            }
            if let done { continuation.resume(returning: done) }
        }
        return try result.get()
    }

    /// Runs blocking `body` (a `zmq_ctx_term`, a child's exit) on a thread of its own and awaits it.
    static func run(_ name: String, _ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await RawThread(name, body).value()
    }
}

/// A one-shot signal a dedicated thread can block on until async code (or another thread) opens it.
final class Gate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// Lets one waiter through.
    func open() {
        semaphore.signal()
    }

    /// Blocks the calling (dedicated) thread until ``open()``.
    func wait() {
        semaphore.wait()
    }
}

/// Opens a gate once `count` arrivals have been counted.
final class Countdown: Sendable {
    private let remaining: Atomic<Int>
    let gate: Gate

    init(_ count: Int, gate: Gate) {
        remaining = Atomic(count)
        self.gate = gate
    }

    func arrive() {
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { gate.open() }
    }
}

/// Stops the whole run, with the step's name, when one step takes far longer than it can: a
/// lost message or a dead peer would otherwise hang forever in a blocking or awaited receive.
final class Watchdog: Sendable {
    static let shared = Watchdog()

    private let step = Mutex<(label: String, deadline: UInt64)?>(nil)

    /// Starts the checking thread (once).
    func start() {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                let expired = step.withLock { step -> String? in
                    guard let current = step, monotonicNanoseconds() > current.deadline else { return nil }
                    return current.label
                }
                if let expired {
                    FileHandle.standardError.write(Data("zmq-bench: \(expired) did not finish in time; stopping the run\n".utf8))
                    Endpoints.shared.removeIPCDirectory()
                    exit(3)
                }
            }
        }
        thread.name = "zmq-bench watchdog"
        thread.start()
    }

    /// Names the step now running and gives it `seconds` to finish (until the next call).
    func arm(_ label: String, seconds: Double = 300) {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        step.withLock { $0 = (label, deadline) }
    }

    /// No step is running.
    func disarm() {
        step.withLock { $0 = nil }
    }
}

/// Prints a progress line to stderr (stdout carries the table).
func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
