"""pub.py from the seed tutorial (PUB), in Python 3: publishes two kinds of updates.

    python3 -u pub.py [--endpoint EP] [--connect] [--count N] [--interval S]
"""
import argparse
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="Publisher (PUB): sends '1-Update! ...' and '2-Update! ...' each round.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5680", help="endpoint to bind (default: %(default)s)")
parser.add_argument("--connect", action="store_true", help="connect to the endpoint instead (to a Forwarder device)")
parser.add_argument("--count", type=int, default=0, help="stop after N rounds (0 = forever, the default)")
parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds (default: %(default)s)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.PUB)
if args.connect:
    sock.connect(args.endpoint)
else:
    sock.bind(args.endpoint)
    print("listening on " + sock.last_endpoint.decode(), file=sys.stderr, flush=True)

id = 0

rounds = 0
while args.count == 0 or rounds < args.count:
    time.sleep(args.interval)
    id, now = id+1, time.ctime()

    # Message [prefix][message]
    message = "1-Update! >> #{id} >> {time}".format(id=id, time=now)
    sock.send_string(message)

    # Message [prefix][message]
    message = "2-Update! >> #{id} >> {time}".format(id=id, time=now)
    sock.send_string(message)

    id += 1
    rounds += 1

sock.close()
context.term()
