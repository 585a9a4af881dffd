"""client.py from the seed tutorial (REQ), in Python 3: sends its words, prints the reply.

    python3 -u client.py [--endpoint EP] [--count N] [--timeout S] hello world!
"""
import argparse
import sys

import zmq

parser = argparse.ArgumentParser(description="Echo client (REQ): sends its words joined by spaces, prints the reply.")
parser.add_argument("words", nargs="*", help="the request's words")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5678", help="endpoint to connect to (default: %(default)s)")
parser.add_argument("--count", type=int, default=1, help="send the request N times (default: 1; 0 = forever)")
parser.add_argument("--timeout", type=float, help="seconds to wait for each reply (default: forever)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.REQ)
if args.timeout is not None:
    sock.setsockopt(zmq.RCVTIMEO, int(args.timeout * 1000))
sock.connect(args.endpoint)

# Send a "message" using the socket
sent = 0
while args.count == 0 or sent < args.count:
    sock.send_string(" ".join(args.words))
    sent += 1
    try:
        print(sock.recv_string(), flush=True)
    except zmq.Again:
        print("client.py: no reply from {ep} within {s} s".format(ep=args.endpoint, s=args.timeout), file=sys.stderr)
        sock.close(linger=0)
        context.term()
        sys.exit(1)

sock.close()
context.term()
