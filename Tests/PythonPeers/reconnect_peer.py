"""reconnect_peer.py: the binding side of the reconnect tests (Tests/InteropTests/ReconnectTests.swift).

The test process connects a Swift socket to this peer, kills the peer with SIGKILL mid-stream
and starts it again on the same endpoint. Every message is numbered, so the test can count
exactly what was sent, delivered and lost:

    python3 -u reconnect_peer.py --role ROLE [--endpoint EP] [--run N] [--hold N] [--interval S]

Roles (each binds, but `sub`):
  pull    PULL: prints `got <n>` for each message `<n>`.
  router  ROUTER: prints `got <n>` and sends the message back to its sender.
  pair    PAIR: prints `got <n>` and sends the message back.
  rep     REP: prints `got <n>` and replies with the request; with --hold N it prints
          `holding <N>` on request N and never replies (the request dies with the process).
  xpub    XPUB: waits for a subscription (prints `subscribed <topic>`), then publishes forever,
          every --interval seconds, two messages [topic, JSON body]: topic `A` with body
          {"run": RUN, "sequence": n} (prints `sent <n>` after each) and topic `B` (never
          subscribed by the tests: it must not arrive).
  sub     SUB, connects: subscribes to `A` and prints `got <n>` for each message `A <n>`.

Prints `listening on <endpoint>` to stderr once bound (port `*` resolved), and `connected` for `sub`.
"""
import argparse
import json
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="The numbered binding peer of the reconnect tests.")
parser.add_argument("--role", required=True, choices=["pull", "router", "pair", "rep", "xpub", "sub"])
parser.add_argument("--endpoint", default="tcp://127.0.0.1:*")
parser.add_argument("--run", type=int, default=1, help="the run number in the xpub bodies (default: %(default)s)")
parser.add_argument("--hold", type=int, default=0, help="rep: never answer this request number")
parser.add_argument("--interval", type=float, default=0.005, help="xpub: seconds between updates")
args = parser.parse_args()

ROLES = {"pull": zmq.PULL, "router": zmq.ROUTER, "pair": zmq.PAIR, "rep": zmq.REP, "xpub": zmq.XPUB, "sub": zmq.SUB}

context = zmq.Context()
sock = context.socket(ROLES[args.role])
sock.linger = 0
if args.role == "sub":
    sock.subscribe(b"A")
    sock.connect(args.endpoint)
    print("connected", file=sys.stderr, flush=True)
else:
    sock.bind(args.endpoint)
    print("listening on " + sock.getsockopt_string(zmq.LAST_ENDPOINT), file=sys.stderr, flush=True)

if args.role == "sub":
    while True:
        print("got " + sock.recv().decode().split(" ")[1], flush=True)
elif args.role == "pull":
    while True:
        print("got " + sock.recv().decode(), flush=True)
elif args.role == "router":
    while True:
        identity, body = sock.recv_multipart()
        print("got " + body.decode(), flush=True)
        sock.send_multipart([identity, body])
elif args.role == "pair":
    while True:
        body = sock.recv()
        print("got " + body.decode(), flush=True)
        sock.send(body)
elif args.role == "rep":
    while True:
        body = sock.recv()
        number = int(body.decode())
        print("got %d" % number, flush=True)
        if number == args.hold:
            print("holding %d" % number, flush=True)
            while True:
                time.sleep(60)
        sock.send(body)
else:  # xpub
    subscription = sock.recv()
    print("subscribed " + subscription[1:].decode(), flush=True)
    number = 0
    while True:
        number += 1
        sock.send_multipart([b"A", json.dumps({"run": args.run, "sequence": number}).encode()])
        print("sent %d" % number, flush=True)
        sock.send_multipart([b"B", json.dumps({"run": args.run, "sequence": number}).encode()])
        time.sleep(args.interval)
