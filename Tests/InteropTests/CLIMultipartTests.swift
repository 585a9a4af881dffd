import Testing

extension Interop {
    /// `--frames SEP` and `--raw`: `zmq` sends and prints multipart messages, checked frame by
    /// frame by a pyzmq peer (frames.py prints each message as the Python list of its frames'
    /// bytes, so every byte and every frame boundary is visible).
    @Suite("zmq: multipart messages (--frames, --raw) against a pyzmq peer")
    struct CLIMultipart {
        @Test("pub --frames: a Python SUB gets a topic frame and a body frame, filtered on the topic")
        func publishTopicFrame() async throws {
            try await withPeers { peers in
                // Repeats until the subscriber has its three: no guess at how long subscribing takes.
                let pub = try peers.swift(
                    "zmq",
                    [
                        "pub", "--bind", anyLoopbackPort, "--frames", "|", "--interval", "0.02", "--count", "5000",
                        "weather|sunny", "traffic|jam",
                    ])
                let sub = try peers.python(
                    "frames.py", ["sub", "--connect", try await pub.endpoint(), "--topic", "weather", "--receive", "3"])
                try await sub.succeeded()
                #expect(sub.standardOutput == Array(repeating: "[b'weather', b'sunny']", count: 3))
                #expect(pub.exit == nil, "the publisher stopped early")
            }
        }

        @Test("a Python PUSH sends multipart messages; pull --frames prints their frames joined by the separator")
        func pythonSendsMultipart() async throws {
            try await withPeers { peers in
                let pull = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--frames", "|", "--count", "2", "--timeout", "5"])
                let plain = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--count", "1", "--timeout", "5"])
                let push = try peers.python(
                    "frames.py",
                    [
                        "push", "--connect", try await pull.endpoint(), "--send", "topic", "", "body", "hex:00ff",
                        "--repeat", "2",
                    ])
                let other = try peers.python(
                    "frames.py",
                    ["push", "--connect", try await plain.endpoint(), "--send", "topic", "", "body", "hex:00ff"])
                try await push.succeeded()
                try await other.succeeded()
                try await pull.succeeded()
                try await plain.succeeded()
                #expect(pull.standardOutput == Array(repeating: #"topic|""|body|0x00ff"#, count: 2))
                #expect(plain.standardOutput == [#"topic | "" | body | 0x00ff"#])
            }
        }

        @Test("push --frames from arguments: exact frames, empty ones included, at a Python PULL")
        func argumentsSplit() async throws {
            try await withPeers { peers in
                let pull = try peers.python("frames.py", ["pull", "--bind", anyLoopbackPort, "--receive", "4"])
                let push = try peers.swift(
                    "zmq",
                    [
                        "push", "--connect", try await pull.endpoint(), "--frames", "::", "--timeout", "5", "a::b",
                        "::x::", "plain", "a:b::::c",
                    ])
                try await push.succeeded()
                try await pull.succeeded()
                #expect(
                    pull.standardOutput == ["[b'a', b'b']", "[b'', b'x', b'']", "[b'plain']", "[b'a:b', b'', b'c']"])
            }
        }

        /// Standard input is read as bytes: NUL and bytes that are not UTF-8 go out as they are,
        /// with and without `--frames`.
        @Test("binary standard input: NUL and invalid UTF-8 arrive exactly, one message per line")
        func binaryStandardInput() async throws {
            try await withPeers { peers in
                let pull = try peers.python("frames.py", ["pull", "--bind", anyLoopbackPort, "--receive", "3"])
                let push = try peers.shell(
                    #"printf 'a\000b\377c|x\n|\n\376\377\000\n' | "$0" push --connect "$1" --frames '|' --timeout 5"#,
                    running: "zmq", [try await pull.endpoint()])
                try await push.succeeded()
                try await pull.succeeded()
                #expect(pull.standardOutput == [#"[b'a\x00b\xffc', b'x']"#, "[b'', b'']", #"[b'\xfe\xff\x00']"#])

                let single = try peers.python("frames.py", ["pull", "--bind", anyLoopbackPort, "--receive", "1"])
                let unsplit = try peers.shell(
                    #"printf 'one\000two\377|three\n' | "$0" push --connect "$1" --timeout 5"#,
                    running: "zmq", [try await single.endpoint()])
                try await unsplit.succeeded()
                try await single.succeeded()
                #expect(single.standardOutput == [#"[b'one\x00two\xff|three']"#])
            }
        }

        /// Python PUSH → `zmq pull --frames '|' --raw` → (a pipe) → `zmq push --frames '|'` →
        /// Python PULL: the frames come out as they went in, bytes that are not text included.
        @Test("pull --frames --raw piped into push --frames: multipart messages round-trip byte for byte")
        func roundTrip() async throws {
            try await withPeers { peers in
                let sink = try peers.python("frames.py", ["pull", "--bind", anyLoopbackPort, "--receive", "2"])
                let pipeline = try peers.shell(
                    #""$0" pull --bind "$1" --count 2 --frames '|' --raw --timeout 10 | "$0" push --connect "$2" --frames '|' --timeout 10"#,
                    running: "zmq", [anyLoopbackPort, try await sink.endpoint()])
                let source = try peers.python(
                    "frames.py",
                    [
                        "push", "--connect", try await pipeline.endpoint(), "--send", "key", "", "hex:610062",
                        "hex:feff09", "--repeat", "2",
                    ])
                try await source.succeeded()
                try await pipeline.succeeded()
                try await sink.succeeded()
                #expect(sink.standardOutput == Array(repeating: #"[b'key', b'', b'a\x00b', b'\xfe\xff\t']"#, count: 2))
            }
        }

        @Test("pull --raw prints a frame's bytes unescaped; without it, escaped")
        func rawOutput() async throws {
            try await withPeers { peers in
                let raw = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--raw", "--count", "1", "--timeout", "5"])
                let escaped = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--count", "1", "--timeout", "5"])
                for pull in [raw, escaped] {
                    let push = try peers.python(
                        "frames.py", ["push", "--connect", try await pull.endpoint(), "--send", "hex:6100620963", ""])
                    try await push.succeeded()
                    try await pull.succeeded()
                }
                #expect(raw.standardOutput == ["a\u{0}b\tc | "])
                #expect(escaped.standardOutput == [#"a\x00b\tc | """#])
            }
        }

        @Test("rep --frames --reply, req --frames: multipart requests and replies with Python peers")
        func requestReply() async throws {
            try await withPeers { peers in
                let rep = try peers.swift(
                    "zmq",
                    [
                        "rep", "--bind", anyLoopbackPort, "--frames", "|", "--reply", "status|ok", "--count", "1",
                        "--timeout", "5",
                    ])
                let client = try peers.python(
                    "frames.py", ["req", "--connect", try await rep.endpoint(), "--send", "get", "key"])
                try await client.succeeded()
                try await rep.succeeded()
                #expect(rep.standardOutput == ["get|key"])
                #expect(client.standardOutput == ["[b'status', b'ok']"])

                let server = try peers.python(
                    "frames.py", ["rep", "--bind", anyLoopbackPort, "--receive", "1", "--reply"])
                let req = try peers.swift(
                    "zmq", ["req", "--connect", try await server.endpoint(), "--frames", "|", "--timeout", "5", "x||y"])
                try await req.succeeded()
                try await server.succeeded()
                #expect(server.standardOutput == ["[b'x', b'', b'y']"])
                #expect(req.standardOutput == [#"x|""|y"#])
            }
        }
    }
}
