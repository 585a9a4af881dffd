"""sub.py from the seed tutorial (SUB), in Python 3: prints the updates under one prefix.

    python3 -u sub.py [--endpoint EP] [--topic PREFIX] [--count N]
"""
import argparse

import zmq

parser = argparse.ArgumentParser(description="Subscriber (SUB): prints each message that starts with the topic.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5680", help="endpoint to connect to (default: %(default)s)")
parser.add_argument("--topic", default="1", help="prefix to subscribe to (default: %(default)s; empty = everything)")
parser.add_argument("--count", type=int, default=0, help="stop after N messages (0 = forever, the default)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.SUB)

# Define subscription and messages with prefix to accept.
sock.setsockopt_string(zmq.SUBSCRIBE, args.topic)
sock.connect(args.endpoint)

received = 0
while args.count == 0 or received < args.count:
    message = sock.recv_string()
    print(message, flush=True)
    received += 1

sock.close()
context.term()
