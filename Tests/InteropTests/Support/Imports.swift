// The helpers every test target shares (Tests/Support): deadlines, Locked, waitUntil, process figures.
@_exported import ZeroMQTestSupport
