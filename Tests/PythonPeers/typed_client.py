"""typed_client.py: a client of the typed request/reply protocol (Docs/WireProtocol.md) in pyzmq.

Sends each calculation to a TypedCalculator service as JSON on a DEALER socket, all in flight at
once, each with its own 8-byte request id, then prints the answers in the order asked:

    python3 -u typed_client.py [--endpoint EP] [--timeout S] [--malformed] "6 x 7" "1 / 0"

With --malformed it also sends a request whose body is not JSON and prints the service's
error reply for it last. With --metadata every request carries the metadata frame of version 2
(Docs/WireProtocol.md, "Call metadata"): how long this client waits, in microseconds, and a
header; a success answer then also shows the headers the service sent back (version 3), in key
order, such as "6 x 7 = 42 [answered-for=typed_client.py served-by=TypedCalculator]"; with --expired it first sends a request whose caller waits 0 µs, which the service must
neither calculate nor answer: after the other answers it prints "expired: no reply" when none
came for it within half a second.
"""
import argparse
import json
import struct
import sys

import zmq

parser = argparse.ArgumentParser(description="Typed calculator client speaking the documented wire format.")
parser.add_argument("calculations", nargs="*", help='calculations such as "6 x 7" (operators + - x /)')
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5560", help="the service's endpoint (default: %(default)s)")
parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for all replies (default: %(default)s)")
parser.add_argument("--malformed", action="store_true", help="also send a request that is not JSON")
parser.add_argument("--metadata", action="store_true", help="send a metadata frame (timeout, a header) with each request")
parser.add_argument("--expired", action="store_true", help="also send a request whose caller waits 0 microseconds")
args = parser.parse_args()

METADATA_MAGIC = b"ZMD\x01"
# A reply's own metadata (version 3) starts with the entry "zmq-reply" (empty value); any other
# metadata frame in a reply is this client's own, echoed.
REPLY_MARKER = METADATA_MAGIC + struct.pack(">B", 9) + b"zmq-reply" + struct.pack(">I", 0)


def metadata_frame(entries):
    """The metadata frame: the magic, then per entry [key length: 1 byte] [key] [value length: 4 bytes BE] [value]."""
    frame = METADATA_MAGIC
    for key, value in entries:
        key, value = key.encode("ascii"), value.encode("utf-8")
        frame += struct.pack(">B", len(key)) + key + struct.pack(">I", len(value)) + value
    return frame


def parse_metadata(frame):
    """The entries of a metadata frame, as a dict of str to str, the protocol's zmq- keys left out."""
    entries, index = {}, len(METADATA_MAGIC)
    while index < len(frame):
        key_length = frame[index]
        key = frame[index + 1:index + 1 + key_length].decode("ascii")
        index += 1 + key_length
        (value_length,) = struct.unpack(">I", frame[index:index + 4])
        value = frame[index + 4:index + 4 + value_length].decode("utf-8")
        index += 4 + value_length
        if not key.startswith("zmq-"):
            entries[key] = value
    return entries


def envelope_for(request_id, timeout_us=None):
    """[request id], then the metadata frame when asked for, then the empty delimiter."""
    if not args.metadata and timeout_us is None:
        return [request_id, b""]
    timeout_us = int(args.timeout * 1_000_000) if timeout_us is None else timeout_us
    return [request_id, metadata_frame([("zmq-timeout-us", str(timeout_us)), ("client", "typed_client.py")]), b""]

OPERATIONS = {"+": "+", "-": "-", "x": "x", "/": "/"}


def number(text):
    value = float(text)
    return int(value) if value == int(value) else value


def shown(value):
    return str(int(value)) if value == int(value) else str(value)


context = zmq.Context()
sock = context.socket(zmq.DEALER)
sock.connect(args.endpoint)

EXPIRED_ID = struct.pack(">Q", 1_000_000)
if args.expired:
    body = json.dumps({"operation": "+", "lhs": 1, "rhs": 1})
    sock.send_multipart(envelope_for(EXPIRED_ID, timeout_us=0) + [body.encode()])

# Each request: [request id (8 bytes, big-endian)] [empty delimiter] [body].
labels = {}
for index, calculation in enumerate(args.calculations, start=1):
    lhs, operation, rhs = calculation.split()
    body = json.dumps({"operation": OPERATIONS[operation], "lhs": number(lhs), "rhs": number(rhs)})
    request_id = struct.pack(">Q", index)
    labels[request_id] = calculation
    sock.send_multipart(envelope_for(request_id) + [body.encode()])
if args.malformed:
    request_id = struct.pack(">Q", len(args.calculations) + 1)
    labels[request_id] = "malformed"
    sock.send_multipart(envelope_for(request_id) + [b"\xff not json"])

# Replies come in any order: [request id] [empty] [body], or [request id] ["error"] [empty] [error].
answers = {}
expired_answered = False
poller = zmq.Poller()
poller.register(sock, zmq.POLLIN)
while len(answers) < len(labels):
    if not poller.poll(int(args.timeout * 1000)):
        print("typed_client.py: {n} replies missing after {s} s".format(n=len(labels) - len(answers), s=args.timeout),
              file=sys.stderr)
        sys.exit(1)
    frames = sock.recv_multipart()
    delimiter = frames.index(b"")
    request_id, envelope, body = frames[0], frames[1:delimiter], frames[delimiter + 1:]
    if request_id == EXPIRED_ID:
        expired_answered = True
        continue
    # A metadata frame is the service's headers when it starts with the reply marker; otherwise
    # it is the request's own, echoed: skip it.
    headers = {}
    if envelope and envelope[0].startswith(METADATA_MAGIC):
        if envelope[0].startswith(REPLY_MARKER):
            headers = parse_metadata(envelope[0])
        envelope = envelope[1:]
    label = labels[request_id]
    if envelope == [b"error"]:
        error = json.loads(body[0])
        answers[request_id] = "{l} failed: {c}: {m}".format(l=label, c=error["code"], m=error["message"])
    else:
        answers[request_id] = "{l} = {v}".format(l=label, v=shown(json.loads(body[0])["value"]))
        if headers:
            answers[request_id] += " [{h}]".format(h=" ".join("{k}={v}".format(k=k, v=headers[k]) for k in sorted(headers)))

for request_id in labels:
    print(answers[request_id], flush=True)
if args.expired:
    # Sent first, so an answer to it would have come before the others' (one connection).
    late = []
    while poller.poll(500):
        late.append(sock.recv_multipart())
    expired_answered = expired_answered or any(frames[0] == EXPIRED_ID for frames in late)
    print("expired: answered" if expired_answered else "expired: no reply", flush=True)

sock.close()
context.term()
