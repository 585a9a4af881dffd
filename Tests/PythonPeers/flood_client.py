"""flood_client.py: keeps thousands of typed requests in flight against a TypedCalculator service.

Speaks the typed request/reply protocol (Docs/WireProtocol.md) on a DEALER socket with no
high-water mark: sends --count additions `<id> + 0` at once, each with its id as the request
id, then reads the replies. Prints `answered <N>` once N (--announce) replies have come, so a
test can stop the service with SIGTERM while the rest are still in flight. When the connection
to the service breaks (or every request has its reply), it takes the replies already received
and prints one line:

    summary answered=<a> errors=<e> unanswered=<u> duplicates=<d> wrong=<w> last_answered=<id>

`answered` counts correct results (the value is the request's id), `errors` error replies,
`wrong` results with another value, `duplicates` second replies to one id, `unanswered` the
requests with no reply. Exits 1 if neither happens within --timeout seconds.

    python3 -u flood_client.py --endpoint EP [--count 10000] [--announce 1000] [--timeout 120]
"""
import argparse
import json
import struct
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

parser = argparse.ArgumentParser(description="Floods a typed calculator service with requests in flight.")
parser.add_argument("--endpoint", required=True)
parser.add_argument("--count", type=int, default=10000)
parser.add_argument("--announce", type=int, default=1000, help="print `answered N` when N replies have come")
parser.add_argument("--timeout", type=float, default=120)
args = parser.parse_args()

context = zmq.Context()
sock = context.socket(zmq.DEALER)
sock.sndhwm = 0
sock.rcvhwm = 0
sock.linger = 0
monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED)
sock.connect(args.endpoint)

# Wait for the connection, so that every request goes to the service (not just into our pipe).
deadline = time.monotonic() + args.timeout
while True:
    if not monitor.poll(max(0, int((deadline - time.monotonic()) * 1000))):
        print("flood_client.py: no connection to %s" % args.endpoint, file=sys.stderr)
        sys.exit(1)
    if recv_monitor_message(monitor)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
        break

for request_id in range(1, args.count + 1):
    body = json.dumps({"operation": "+", "lhs": request_id, "rhs": 0}).encode()
    sock.send_multipart([struct.pack(">Q", request_id), b"", body])
print("sent %d" % args.count, flush=True)

replies = {}
duplicates = 0
announced = False


def take(frames):
    global duplicates
    request_id = struct.unpack(">Q", frames[0])[0]
    if request_id in replies:
        duplicates += 1
        return
    delimiter = frames.index(b"")
    if frames[1:delimiter] == [b"error"]:
        replies[request_id] = "error"
    else:
        value = json.loads(frames[delimiter + 1])["value"]
        replies[request_id] = "answered" if value == request_id else "wrong"


poller = zmq.Poller()
poller.register(sock, zmq.POLLIN)
poller.register(monitor, zmq.POLLIN)
disconnected = False
while not disconnected and len(replies) < args.count:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        print("flood_client.py: timed out with %d replies" % len(replies), file=sys.stderr)
        sys.exit(1)
    ready = dict(poller.poll(int(remaining * 1000)))
    if sock in ready:
        take(sock.recv_multipart())
        if not announced and len(replies) >= args.announce:
            announced = True
            print("answered %d" % args.announce, flush=True)
    if monitor in ready and recv_monitor_message(monitor)["event"] == zmq.EVENT_DISCONNECTED:
        disconnected = True

# The connection is gone: what it delivered is in our queue already.
while True:
    try:
        take(sock.recv_multipart(zmq.NOBLOCK))
    except zmq.Again:
        break

counts = {kind: sum(1 for r in replies.values() if r == kind) for kind in ("answered", "error", "wrong")}
answered_ids = [i for i, r in replies.items() if r == "answered"]
print("summary answered=%d errors=%d unanswered=%d duplicates=%d wrong=%d last_answered=%d" % (
    counts["answered"], counts["error"], args.count - len(replies), duplicates, counts["wrong"],
    max(answered_ids) if answered_ids else 0), flush=True)
monitor.close()
sock.close()
context.term()
