"""stream_client.py: a client of the server streams of the typed protocol (Docs/WireProtocol.md,
"Server streaming") in pyzmq, against `swift run PrimeStream --serve`.

    python3 -u stream_client.py [--endpoint EP] [--timeout S]

It checks the flow control and the cancel across the wire and prints what it saw:

    held at credit: 3             # a stream opened with credit 3 and never granted more: 3 items came
    primes below 100: 2 3 … 97    # then, granting one credit per item read, all of them
    end                           # and the stream's end
    cancelled after 2: 0 more     # a cancel, then credit for 100 more: the service sends nothing
    plain request: stream-required
"""
import argparse
import json
import struct
import sys

import zmq

parser = argparse.ArgumentParser(description="Server-stream client speaking the documented wire format.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5562", help="the service's endpoint (default: %(default)s)")
parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for each message (default: %(default)s)")
args = parser.parse_args()

MAGIC = b"ZMD\x01"
QUIET_MS = 500


def metadata(*entries):
    """The metadata frame: the magic, then per entry [key length: 1 byte] [key] [value length: 4 bytes BE] [value]."""
    frame = MAGIC
    for key, value in entries:
        key, value = key.encode("ascii"), value.encode("utf-8")
        frame += struct.pack(">B", len(key)) + key + struct.pack(">I", len(value)) + value
    return frame


def entries(frame):
    """All entries of a metadata frame, as a dict."""
    found, index = {}, len(MAGIC)
    while index < len(frame):
        length = frame[index]
        key = frame[index + 1:index + 1 + length].decode("ascii")
        index += 1 + length
        (value_length,) = struct.unpack(">I", frame[index:index + 4])
        found[key] = frame[index + 4:index + 4 + value_length].decode("utf-8")
        index += 4 + value_length
    return found


context = zmq.Context()
sock = context.socket(zmq.DEALER)
sock.connect(args.endpoint)
poller = zmq.Poller()
poller.register(sock, zmq.POLLIN)


def receive(timeout_ms):
    """(request id, role, body) of the next message, role "item", "end" or "error: code"; None after timeout_ms."""
    if not poller.poll(timeout_ms):
        return None
    frames = sock.recv_multipart()
    delimiter = frames.index(b"")
    envelope, body = frames[1:delimiter], frames[delimiter + 1:]
    if envelope and envelope[0].startswith(MAGIC):
        marked = entries(envelope[0])
        envelope = envelope[1:]
        if "zmq-reply" in marked and "zmq-stream" in marked:
            return frames[0], marked["zmq-stream"], body
    if envelope == [b"error"]:
        return frames[0], "error: " + json.loads(body[0])["code"], body
    return frames[0], "success", body


def must_receive():
    message = receive(int(args.timeout * 1000))
    if message is None:
        print("stream_client.py: nothing came within {s} s".format(s=args.timeout), file=sys.stderr)
        sys.exit(1)
    return message


def open_stream(request_id, bound, credit):
    sock.send_multipart([request_id, metadata(("zmq-stream", "open"), ("zmq-stream-credit", str(credit))), b"",
                         json.dumps({"bound": bound}).encode()])


def control(request_id, *entries_):
    sock.send_multipart([request_id, metadata(*entries_), b""])


# 1. Credit 3, none granted after: exactly 3 items come, then nothing.
first = struct.pack(">Q", 1)
open_stream(first, 100, 3)
held = []
while True:
    message = receive(QUIET_MS)
    if message is None:
        break
    held.append(message)
print("held at credit: {n}".format(n=len(held)), flush=True)
if any(role != "item" for _, role, _ in held):
    print("stream_client.py: expected items only, got {r}".format(r=[role for _, role, _ in held]), file=sys.stderr)
    sys.exit(1)

# 2. One credit per item read, to the end.
primes = [json.loads(body[0]) for _, _, body in held]
for _ in held:
    control(first, ("zmq-stream", "credit"), ("zmq-stream-credit", "1"))
while True:
    request_id, role, body = must_receive()
    if role == "end":
        break
    if role != "item":
        print("stream_client.py: expected an item, got " + role, file=sys.stderr)
        sys.exit(1)
    primes.append(json.loads(body[0]))
    control(first, ("zmq-stream", "credit"), ("zmq-stream-credit", "1"))
print("primes below 100: " + " ".join(str(prime) for prime in primes), flush=True)
print("end", flush=True)

# 3. Read 2, cancel, then grant 100: a cancelled stream is forgotten, its credit ignored.
second = struct.pack(">Q", 2)
open_stream(second, 1_000_000_000, 2)
for _ in range(2):
    must_receive()
control(second, ("zmq-stream", "cancel"))
control(second, ("zmq-stream", "credit"), ("zmq-stream-credit", "100"))
more = 0
while receive(QUIET_MS) is not None:
    more += 1
print("cancelled after 2: {n} more".format(n=more), flush=True)

# 4. A request that asks for no stream.
sock.send_multipart([struct.pack(">Q", 3), b"", json.dumps({"bound": 10}).encode()])
print("plain request: " + must_receive()[1].removeprefix("error: "), flush=True)

sock.close()
context.term()
