import CZeroMQ
import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The gateway to libzmq, with scripted results and errno values in place of libzmq: no socket.
@Suite("LibZMQCall: EINTR retried, EAGAIN as wouldBlock, one error value", .timeLimit(.minutes(1)))
struct LibZMQCallTests {
    /// A libzmq function that fails with each of `errnos` in turn, then returns `result`.
    final class Script {
        var errnos: [Int32]
        let result: Int32
        var calls = 0
        var lastErrno: Int32 = 0

        init(failingWith errnos: [Int32], thenReturning result: Int32 = 0) {
            self.errnos = errnos
            self.result = result
        }

        func call() -> Int32 {
            calls += 1
            guard !errnos.isEmpty else { return result }
            lastErrno = errnos.removeFirst()
            return -1
        }

        func errno() -> Int32 { lastErrno }
    }

    @Test("EINTR is retried until the call succeeds, and its result returned")
    func interruptedThenDone() throws {
        let script = Script(failingWith: [EINTR, EINTR, EINTR], thenReturning: 42)
        let result = try LibZMQCall.checked("bind", socket: "PUSH#1", errno: script.errno, script.call)
        #expect(result == 42)
        #expect(script.calls == 4)
    }

    @Test("EINTR then a failure: the failure is reported, with its name, operation, socket and endpoint")
    func interruptedThenFailed() {
        let script = Script(failingWith: [EINTR, EADDRINUSE])
        #expect {
            try LibZMQCall.checked("bind", socket: "PUSH#1", endpoint: "tcp://127.0.0.1:5555", errno: script.errno, script.call)
        } throws: { error in
            guard let error = error as? ZeroMQError else { return false }
            return error.code == .libzmq && error.errno == EADDRINUSE && error.errnoName == "EADDRINUSE"
                && error.operation == "bind" && error.socket == "PUSH#1" && error.endpoint == "tcp://127.0.0.1:5555"
                && error.reason == String(cString: zmq_strerror(EADDRINUSE))
        }
        #expect(script.calls == 2)
    }

    @Test("a non-blocking call: EAGAIN is wouldBlock, not an error; success is done with the result")
    func nonBlocking() throws {
        let refused = Script(failingWith: [EINTR, EAGAIN])
        guard case .wouldBlock = try LibZMQCall.nonBlocking("receive", socket: "PULL#2", errno: refused.errno, refused.call) else {
            Issue.record("EAGAIN was not reported as wouldBlock")
            return
        }
        #expect(refused.calls == 2)

        let done = Script(failingWith: [], thenReturning: 64)
        guard case .done(let size) = try LibZMQCall.nonBlocking("receive", socket: "PULL#2", errno: done.errno, done.call) else {
            Issue.record("a successful call was not done")
            return
        }
        #expect(size == 64)
    }

    @Test("a blocking call reports EAGAIN as an error (it means a timeout there)")
    func blockingAgain() {
        let script = Script(failingWith: [EAGAIN])
        #expect(throws: ZeroMQError.self) {
            try LibZMQCall.checked("send", socket: "REQ#3", errno: script.errno, script.call)
        }
    }

    @Test("ETERM becomes contextTerminated, EFSM keeps libzmq's own number and name")
    func libzmqErrnos() {
        for (errno, code, name) in [(ErrnoName.ETERM, ZeroMQError.Code.contextTerminated, "ETERM"), (ErrnoName.EFSM, .libzmq, "EFSM")] {
            let script = Script(failingWith: [errno])
            #expect {
                try LibZMQCall.nonBlocking("send", socket: "REP#4", errno: script.errno, script.call)
            } throws: { error in
                guard let error = error as? ZeroMQError else { return false }
                return error.code == code && error.errno == errno && error.errnoName == name
            }
        }
    }

    @Test("errno(of:) gives 0 for success and the errno otherwise, never EINTR")
    func errnoOf() {
        let ok = Script(failingWith: [EINTR], thenReturning: 0)
        #expect(LibZMQCall.errno(of: ok.call, errno: ok.errno) == 0)
        let failed = Script(failingWith: [EINTR, EINTR, EMFILE])
        #expect(LibZMQCall.errno(of: failed.call, errno: failed.errno) == EMFILE)
        #expect(failed.calls == 3)
    }

    @Test("through a real socket: an option libzmq refuses reports EINVAL with the option named")
    func realRefusal() async throws {
        try await withDeadline {
            let context = try makeContext()
            let push = try PushSocket(context)
            await #expect {
                try await Self.setUnknownOption(on: push)
            } throws: { error in
                guard let error = error as? ZeroMQError else { return false }
                return error.errno == EINVAL && error.operation == "setOption(ZMQ_NOT_AN_OPTION)"
            }
            await context.shutdown()
        }
    }

    /// Sets option number 9 999, which libzmq does not have.
    private static func setUnknownOption(on socket: isolated PushSocket) throws {
        try socket.core.setRawOption(9_999, name: "ZMQ_NOT_AN_OPTION", .int32(1))
    }
}
