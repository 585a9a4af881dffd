"""fuzz_peer.py: sends random, malformed messages to a ZeroMQ program, then well-formed ones.

For the live fuzz (Tests/InteropTests/LiveFuzzTests.swift). The bad messages have random frame
counts (1 to 40), empty frames, binary frames that are not UTF-8, text with control characters
and line breaks, 8-byte ids and "error" status frames in random places, JSON-like junk, and
optionally one frame of --huge bytes. They come from random.Random(--seed): the same seed sends
the same bytes. The seed is printed first (`seed <n>` on stderr).

    python3 -u fuzz_peer.py ROLE (--bind EP | --connect EP) --seed N --bad N [options]

Roles:
  push    PUSH: the bad messages, then --good messages (`--good-text`, {i} = 1, 2, ...)
  pair    PAIR: the same, and waits for one message from the other side
  xpub    XPUB: waits for a subscription (prints `subscribed <topic>`), then the bad messages
          (their first frame starts with --prefix, so the subscriber's filter lets them through),
          then the --good messages (frames separated by --separator)
  dealer  DEALER: the bad messages (a REP or ROUTER peer replies to those it can); prints
          `rep-envelopes <n>`, how many a REP socket accepts (an empty frame before the last);
          then with --request, a REQ socket asks it and prints `reply <text>`

Prints `sent <n> bad, <m> good` on stdout at the end; exits 1 when a wait times out.
"""
import argparse
import json
import random
import struct
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="Random malformed messages, then well-formed ones.")
parser.add_argument("role", choices=["push", "pair", "xpub", "dealer"])
where = parser.add_mutually_exclusive_group(required=True)
where.add_argument("--bind", help="endpoint to bind (prints `listening on <endpoint>`)")
where.add_argument("--connect", help="endpoint to connect to")
parser.add_argument("--seed", type=int, required=True, help="the random generator's seed")
parser.add_argument("--bad", type=int, default=50, help="how many malformed messages (default: %(default)s)")
parser.add_argument("--huge", type=int, default=0, help="bytes of one extra huge frame in one bad message (0: none)")
parser.add_argument("--huge-topic", action="store_true", help="the huge frame is the first (topic) frame")
parser.add_argument("--prefix", default="", help="the first frame of every bad message starts with this")
parser.add_argument("--good", type=int, default=0, help="well-formed messages after the bad ones")
parser.add_argument("--good-text", default="good #{i}", help="a well-formed message; {i} is its number")
parser.add_argument("--separator", default="", help="splits --good-text into frames (empty: one frame)")
parser.add_argument("--request", help="dealer: then ask this through a REQ socket and print the reply")
parser.add_argument("--timeout", type=float, default=20, help="seconds for each wait (default: %(default)s)")
args = parser.parse_args()

print(f"seed {args.seed}", file=sys.stderr, flush=True)
rng = random.Random(args.seed)

SNIPPETS = [
    b"", b"error", struct.pack(">Q", rng.getrandbits(64)), b"\x00\x80\x00\x00\x41",
    b'{"code": 1, "message": [', b'{"zipcode": "10001", "temperature": "hot"}', b"[" * 200,
    b'{"operation": "^", "lhs": 1, "rhs": 2}', b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80",
    "line one\nline two\r\n\ttab \x1b[31mred\x1b[0m \u2028 \x7f".encode(),
]


def random_frame():
    kind = rng.randrange(6)
    if kind == 0:
        return b""
    if kind == 1:
        return rng.choice(SNIPPETS)
    if kind == 2:
        return rng.randbytes(rng.randrange(1, 64))
    if kind == 3:
        return rng.randbytes(rng.randrange(64, 5000))
    if kind == 4:  # text with control characters and line breaks
        return "".join(chr(rng.choice([10, 13, 9, 0, 27, 0x85, 0x2028, rng.randrange(32, 0x3000)]))
                       for _ in range(rng.randrange(1, 40))).encode("utf-8", "surrogatepass")
    # invalid UTF-8 inside text
    return b"text " + bytes([rng.choice([0x80, 0xBF, 0xC0, 0xF5, 0xFF])]) + b" more"


def bad_message(index, huge_at):
    frames = [random_frame() for _ in range(rng.choice([1, 1, 2, 2, 3, 4, rng.randrange(1, 41)]))]
    if args.prefix:
        frames[0] = args.prefix.encode() + frames[0]
    if index == huge_at:
        huge = bytearray(rng.randbytes(64)) * (args.huge // 64) + bytearray(args.huge % 64)
        huge[0] = 0xFF  # never UTF-8
        if args.huge_topic:  # text: a subscriber that logged topics as they come would log it all
            frames[0] = args.prefix.encode() + bytes(rng.choice(b"abcdefgh") for _ in range(64)) * (args.huge // 64)
        else:
            frames.insert(rng.randrange(1, len(frames) + 1), bytes(huge))
    return frames


def good_message(i):
    text = args.good_text.replace("{i}", str(i))
    parts = text.split(args.separator) if args.separator else [text]
    return [part.encode() for part in parts]


def accepted_by_rep(frames):
    # libzmq's REP takes the frames up to the first empty one as the envelope (after the
    # routing id it adds) and drops a message whose empty frame is missing or last.
    return any(not frame for frame in frames[:-1])


context = zmq.Context()
kind = {"push": zmq.PUSH, "pair": zmq.PAIR, "xpub": zmq.XPUB, "dealer": zmq.DEALER}[args.role]
sock = context.socket(kind)
sock.setsockopt(zmq.LINGER, int(args.timeout * 1000))
sock.setsockopt(zmq.SNDTIMEO, int(args.timeout * 1000))
sock.setsockopt(zmq.RCVTIMEO, int(args.timeout * 1000))
if args.bind:
    sock.bind(args.bind)
    print(f"listening on {sock.getsockopt_string(zmq.LAST_ENDPOINT)}", file=sys.stderr, flush=True)
else:
    sock.connect(args.connect)

try:
    if args.role == "xpub":
        subscription = sock.recv()
        print(f"subscribed {subscription[1:].decode(errors='replace')}", file=sys.stderr, flush=True)

    huge_at = rng.randrange(args.bad) if args.huge and args.bad else -1
    rep_envelopes = 0
    for index in range(args.bad):
        frames = bad_message(index, huge_at)
        rep_envelopes += accepted_by_rep(frames)
        sock.send_multipart(frames)
    if args.role == "dealer":
        print(f"rep-envelopes {rep_envelopes}", flush=True)

    for i in range(1, args.good + 1):
        sock.send_multipart(good_message(i))

    if args.role == "pair":
        print(f"received {sock.recv().decode(errors='replace')}", flush=True)

    if args.request is not None:
        req = context.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.setsockopt(zmq.RCVTIMEO, int(args.timeout * 1000))
        req.connect(args.connect)
        req.send_string(args.request)
        print(f"reply {req.recv().decode(errors='replace')}", flush=True)
        req.close()

    print(f"sent {args.bad} bad, {args.good} good", flush=True)
except zmq.Again:
    print(f"timed out after {args.timeout} s", file=sys.stderr, flush=True)
    sys.exit(1)
finally:
    sock.close()
    context.term()
