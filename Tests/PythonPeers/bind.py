"""bind.py from the seed tutorial (PAIR), in Python 3.

The seed's PAIR socket only binds; here both sides use the channel: each sends --count messages
'bind #<id> >> <time>' every --interval seconds, prints 'Received: <message>' for each message
from the other side, and exits once it has sent and received --count messages.

    python3 -u bind.py [--endpoint EP] [--count N] [--interval S]
"""
import argparse
import sys
import time

import zmq

parser = argparse.ArgumentParser(description="Exclusive pair (PAIR, binds): a two-way channel.")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:5696", help="endpoint to bind (default: %(default)s)")
parser.add_argument("--count", type=int, default=0, help="messages to send and to receive (0 = forever, the default)")
parser.add_argument("--interval", type=float, default=1.0, help="seconds between sends (default: %(default)s)")
args = parser.parse_args()

# ZeroMQ Context
context = zmq.Context()

# Define the socket using the "Context"
socket = context.socket(zmq.PAIR)
socket.bind(args.endpoint)
print("listening on " + socket.last_endpoint.decode(), file=sys.stderr, flush=True)

# Send every interval; print whatever arrives in between.
poller = zmq.Poller()
poller.register(socket, zmq.POLLIN)
sent = received = 0
next_send = time.monotonic() + args.interval
while args.count == 0 or sent < args.count or received < args.count:
    sending = args.count == 0 or sent < args.count
    wait_ms = max(0.0, next_send - time.monotonic()) * 1000 if sending else None
    if poller.poll(wait_ms):
        message = socket.recv_string()
        print("Received: {msg}".format(msg=message), flush=True)
        received += 1
    elif sending and time.monotonic() >= next_send:
        sent += 1
        socket.send_string("bind #{id} >> {time}".format(id=sent, time=time.ctime()))
        next_send += args.interval

socket.close()
context.term()
