import Testing

/// Whole programs over the wire: the Swift examples (and `zmq`) against the seed tutorial's
/// programs ported to Python 3 (Tests/PythonPeers, pyzmq in `.venv`).
///
/// Every test binds to `tcp://127.0.0.1:*`, reads the port from the binder's `listening on` line,
/// waits for output lines (never for a fixed time), and ends its processes when it is over.
/// Serialized: each test starts a few processes, and on a small machine running them all at once
/// would make startup times, not the code under test, decide the outcome.
@Suite("Interoperability with the seed's programs", .serialized, .timeLimit(.minutes(10)))
struct Interop {}
