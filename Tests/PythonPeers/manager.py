"""manager.py from the seed tutorial (PUSH), in Python 3: hands out numbered tasks.

    python3 -u manager.py [--endpoint EP] [--connect] [--count N] [--interval S]
"""
import argparse
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="Task manager (PUSH): sends '<id> - <time>' and prints 'Sent: ...'.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5690", help="endpoint to bind (default: %(default)s)")
parser.add_argument("--connect", action="store_true", help="connect to the endpoint instead (to a Streamer device)")
parser.add_argument("--count", type=int, default=0, help="stop after N tasks (0 = forever, the default)")
parser.add_argument("--interval", type=float, default=1.0, help="seconds between tasks (default: %(default)s)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.PUSH)
if args.connect:
    sock.connect(args.endpoint)
else:
    sock.bind(args.endpoint)
    print("listening on " + sock.last_endpoint.decode(), file=sys.stderr, flush=True)

id = 0

while args.count == 0 or id < args.count:
    time.sleep(args.interval)
    id, now = id+1, time.ctime()

    # Message [id] - [message]
    message = "{id} - {time}".format(id=id, time=now)

    sock.send_string(message)

    print("Sent: {msg}".format(msg=message), flush=True)

sock.close()
context.term()
