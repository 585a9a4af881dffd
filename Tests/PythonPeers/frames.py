"""frames.py: a third-party ZeroMQ peer that checks multipart messages frame by frame.

Not from the seed: the `zmq` tool's tests use it to see the exact frames `zmq` sends (every
byte, every frame boundary), and to send it multipart messages.

    python3 -u frames.py TYPE (--bind EP | --connect EP) [--topic T] [--receive N]
                         [--send FRAME ...] [--repeat N] [--interval S] [--reply] [--stall]

TYPE is a socket type: pull, push, sub, pub, pair, router, dealer, rep, req.

- `--bind` prints `listening on <endpoint>` to stderr once bound.
- `--receive N` receives N messages and prints each as the Python list of its frames' bytes,
  e.g. `[b'weather', b'sunny']` (a ROUTER's routing-id frame is left out, as `<id>` first).
- `--send FRAME ...` sends one multipart message made of these frames (UTF-8; a frame written
  `hex:0a00ff` is those bytes), `--repeat` times (default 1), `--interval` seconds apart.
- `--reply`: (rep, router) answer each message received with the message itself.
- `--stall`: after receiving the messages, keep the socket open and read nothing more, until
  stopped (SIGTERM), printing `stalled` first.
"""
import argparse
import signal
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="Multipart peer: prints or sends exact frames.")
parser.add_argument("type", choices=["pull", "push", "sub", "pub", "pair", "router", "dealer", "rep", "req"])
place = parser.add_mutually_exclusive_group(required=True)
place.add_argument("--bind", help="endpoint to bind")
place.add_argument("--connect", help="endpoint to connect to")
parser.add_argument("--topic", action="append", default=None, help="SUB: subscribe to this prefix (repeatable; default everything)")
parser.add_argument("--receive", type=int, default=0, help="receive and print N messages")
parser.add_argument("--send", nargs="*", default=None, help="frames of one message to send")
parser.add_argument("--repeat", type=int, default=1, help="send the message this many times")
parser.add_argument("--interval", type=float, default=0.0, help="seconds between sends")
parser.add_argument("--reply", action="store_true", help="rep/router: echo each message back")
parser.add_argument("--stall", action="store_true", help="read nothing more after --receive; wait for SIGTERM")
args = parser.parse_args()

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def frame(text):
    return bytes.fromhex(text[4:]) if text.startswith("hex:") else text.encode()


context = zmq.Context()
sock = context.socket(getattr(zmq, args.type.upper()))
sock.setsockopt(zmq.LINGER, 1000)
if args.stall:
    # Take as little as possible off the wire once stalled: the sender's queue fills.
    sock.setsockopt(zmq.RCVHWM, 1)
    sock.setsockopt(zmq.RCVBUF, 4096)
if args.type == "sub":
    for topic in args.topic or [""]:
        sock.setsockopt(zmq.SUBSCRIBE, topic.encode())
if args.bind:
    sock.bind(args.bind)
    print("listening on " + sock.getsockopt(zmq.LAST_ENDPOINT).decode(), file=sys.stderr, flush=True)
else:
    sock.connect(args.connect)

if args.send is not None:
    frames = [frame(f) for f in args.send]
    for index in range(args.repeat):
        if index > 0 and args.interval > 0:
            time.sleep(args.interval)
        sock.send_multipart(frames)
        if args.type == "req":
            print(sock.recv_multipart(), flush=True)

for _ in range(args.receive):
    message = sock.recv_multipart()
    if args.type == "router":
        print(["<id>"] + message[1:], flush=True)
    else:
        print(message, flush=True)
    if args.reply:
        sock.send_multipart(message)

if args.stall:
    print("stalled", flush=True)
    signal.pause()

sock.close()
context.term()
