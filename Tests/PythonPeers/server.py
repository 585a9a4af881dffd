"""server.py from the seed tutorial (REP), in Python 3: an echo server.

    python3 -u server.py [--endpoint EP] [--connect] [--count N]
"""
import argparse
import sys

import zmq

parser = argparse.ArgumentParser(description="Echo server (REP): replies 'Echo: <request>'.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5678", help="endpoint to bind (default: %(default)s)")
parser.add_argument("--connect", action="store_true", help="connect to the endpoint instead (behind a Queue device)")
parser.add_argument("--count", type=int, default=0, help="stop after N requests (0 = forever, the default)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.REP)
if args.connect:
    sock.connect(args.endpoint)
else:
    sock.bind(args.endpoint)
    print("listening on " + sock.last_endpoint.decode(), file=sys.stderr, flush=True)

# Run a simple "Echo" server
served = 0
while args.count == 0 or served < args.count:
    message = sock.recv_string()
    sock.send_string("Echo: " + message)
    print("Echo: " + message, flush=True)
    served += 1

sock.close()
context.term()
