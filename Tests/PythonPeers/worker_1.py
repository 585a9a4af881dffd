"""worker_1.py from the seed tutorial (PULL), in Python 3: prints each task it gets.

    python3 -u worker_1.py [--endpoint EP] [--count N]
"""
import argparse

import zmq

parser = argparse.ArgumentParser(description="Task worker (PULL): prints 'Received: <task>'.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5690", help="endpoint to connect to (default: %(default)s)")
parser.add_argument("--count", type=int, default=0, help="stop after N tasks (0 = forever, the default)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
sock = context.socket(zmq.PULL)
sock.connect(args.endpoint)

received = 0
while args.count == 0 or received < args.count:
    message = sock.recv_string()
    print("Received: {msg}".format(msg=message), flush=True)
    received += 1

sock.close()
context.term()
