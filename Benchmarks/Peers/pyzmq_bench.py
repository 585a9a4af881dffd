"""pyzmq doing the same work as the Swift benchmarks, so zmq-bench can compare against Python.

zmq-bench (Benchmarks/) runs this file with the .venv's python (Scripts/install-bench-tools.sh) and
plays the other end itself:

    pyzmq_bench.py pull --mode sync|asyncio --bind ENDPOINT --count N --size S [--timeout SECONDS]
        Binds a PULL socket, prints "listening on <endpoint>" (the endpoint it really got, for
        "tcp://127.0.0.1:*"), then receives N messages of S bytes from zmq-bench's raw libzmq PUSH,
        which connects once it has read that line. Prints {"messages", "seconds", "rate"}: the time
        from the first message's arrival to the last's, so rate = (N - 1) / seconds.

    pyzmq_bench.py req --mode sync|asyncio --connect ENDPOINT --rounds N --warmup W --size S [--timeout SECONDS]
        Connects a REQ socket to zmq-bench's REP echo server and makes W untimed, then N timed round
        trips with an S-byte payload. Prints {"rounds", "mean", "p50", "p99"}, in microseconds.

Both receive with the plain call a typical user writes (sock.recv(), copying) and print their
result as one JSON line on stdout. Exit status: 0 done; 1 a message had the wrong size; 2 a peer
was missing for --timeout seconds (or the arguments were wrong, as argparse does); 3 pyzmq is not
installed. Errors go to stderr.
"""
import argparse
import asyncio
import json
import sys
import time

try:
    import zmq
    import zmq.asyncio
except ImportError as error:
    print(f"pyzmq is not installed: {error}", file=sys.stderr)
    sys.exit(3)


class BenchFailure(Exception):
    """Ends a run with a message for stderr and the exit status that says why."""

    def __init__(self, message, exit_status):
        super().__init__(message)
        self.exit_status = exit_status


def timed_out(what, timeout):
    return BenchFailure(f"pyzmq_bench: {what} for {timeout:g} s", exit_status=2)


def check_size(message, size, what):
    if len(message) != size:
        raise BenchFailure(f"pyzmq_bench: {what} has {len(message)} bytes, expected {size}", exit_status=1)


def open_socket(context, socket_type, timeout):
    """A socket that gives up after `timeout` seconds and closes at once, so no peer can hang us.

    (zmq.asyncio arms an event-loop timer per recv for RCVTIMEO; its cost was within the noise.)
    """
    sock = context.socket(socket_type)
    sock.linger = 0
    sock.rcvtimeo = sock.sndtimeo = int(timeout * 1000)
    return sock


def announce(sock):
    """Tells zmq-bench where to connect (its sender waits for this line); returns the endpoint."""
    endpoint = sock.last_endpoint.decode()
    print("listening on " + endpoint, flush=True)
    return endpoint


def pull_result(count, first_ns, last_ns):
    seconds = (last_ns - first_ns) / 1e9
    return {"messages": count, "seconds": seconds, "rate": (count - 1) / seconds if seconds > 0 else 0.0}


def req_result(round_trips_ns):
    """Mean and percentiles in microseconds; a percentile is the sorted value at min(N-1, int(q*N))."""
    ordered = sorted(round_trips_ns)
    count = len(ordered)

    def percentile(q):
        return ordered[min(count - 1, int(q * count))] / 1000

    return {"rounds": count, "mean": sum(ordered) / count / 1000, "p50": percentile(0.5), "p99": percentile(0.99)}


def pull_sync(args):
    with zmq.Context() as context, open_socket(context, zmq.PULL, args.timeout) as sock:
        sock.bind(args.bind)
        endpoint = announce(sock)
        try:
            check_size(sock.recv(), args.size, "message 1")
        except zmq.Again:
            raise timed_out(f"no message on {endpoint}", args.timeout) from None
        first_ns = time.perf_counter_ns()
        for received in range(1, args.count):
            try:
                message = sock.recv()
            except zmq.Again:
                raise timed_out(f"no message after {received} of {args.count}", args.timeout) from None
            check_size(message, args.size, f"message {received + 1}")
        return pull_result(args.count, first_ns, time.perf_counter_ns())


async def pull_asyncio(args):
    with zmq.asyncio.Context() as context, open_socket(context, zmq.PULL, args.timeout) as sock:
        sock.bind(args.bind)
        endpoint = announce(sock)
        try:
            check_size(await sock.recv(), args.size, "message 1")
        except zmq.Again:
            raise timed_out(f"no message on {endpoint}", args.timeout) from None
        first_ns = time.perf_counter_ns()
        for received in range(1, args.count):
            try:
                message = await sock.recv()
            except zmq.Again:
                raise timed_out(f"no message after {received} of {args.count}", args.timeout) from None
            check_size(message, args.size, f"message {received + 1}")
        return pull_result(args.count, first_ns, time.perf_counter_ns())


def req_sync(args):
    payload = b"x" * args.size
    round_trips_ns = []
    with zmq.Context() as context, open_socket(context, zmq.REQ, args.timeout) as sock:
        sock.connect(args.connect)
        for round_number in range(args.warmup + args.rounds):
            start_ns = time.perf_counter_ns()
            try:
                sock.send(payload)
                reply = sock.recv()
            except zmq.Again:
                raise timed_out(f"no reply {round_number + 1} from {args.connect}", args.timeout) from None
            elapsed_ns = time.perf_counter_ns() - start_ns
            check_size(reply, args.size, f"reply {round_number + 1}")
            if round_number >= args.warmup:
                round_trips_ns.append(elapsed_ns)
    return req_result(round_trips_ns)


async def req_asyncio(args):
    payload = b"x" * args.size
    round_trips_ns = []
    with zmq.asyncio.Context() as context, open_socket(context, zmq.REQ, args.timeout) as sock:
        sock.connect(args.connect)
        for round_number in range(args.warmup + args.rounds):
            start_ns = time.perf_counter_ns()
            try:
                await sock.send(payload)
                reply = await sock.recv()
            except zmq.Again:
                raise timed_out(f"no reply {round_number + 1} from {args.connect}", args.timeout) from None
            elapsed_ns = time.perf_counter_ns() - start_ns
            check_size(reply, args.size, f"reply {round_number + 1}")
            if round_number >= args.warmup:
                round_trips_ns.append(elapsed_ns)
    return req_result(round_trips_ns)


def at_least(minimum):
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def parse_arguments():
    parser = argparse.ArgumentParser(description="pyzmq peer of zmq-bench: the Swift benchmarks' work, in Python.")
    commands = parser.add_subparsers(dest="command", required=True)

    pull = commands.add_parser("pull", help="bind a PULL socket and time receiving --count messages")
    pull.add_argument("--bind", required=True, help="endpoint to bind, e.g. tcp://127.0.0.1:* or ipc:///tmp/x")
    # The rate is measured between the first and the last message, so it needs two.
    pull.add_argument("--count", type=at_least(2), required=True, help="messages to receive (at least 2)")

    req = commands.add_parser("req", help="connect a REQ socket to an echo server and time round trips")
    req.add_argument("--connect", required=True, help="the REP echo server's endpoint")
    req.add_argument("--rounds", type=at_least(1), required=True, help="timed round trips")
    req.add_argument("--warmup", type=at_least(0), default=0, help="untimed round trips first (default: 0)")

    for command in (pull, req):
        command.add_argument("--mode", choices=("sync", "asyncio"), required=True,
                             help="zmq.Context with blocking calls, or zmq.asyncio.Context with await")
        command.add_argument("--size", type=at_least(0), required=True, help="bytes per message")
        command.add_argument("--timeout", type=float, default=60.0,
                             help="seconds to wait for any one message before giving up (default: %(default)g)")
    return parser.parse_args()


def main():
    args = parse_arguments()
    runs = {
        ("pull", "sync"): lambda: pull_sync(args),
        ("pull", "asyncio"): lambda: asyncio.run(pull_asyncio(args)),
        ("req", "sync"): lambda: req_sync(args),
        ("req", "asyncio"): lambda: asyncio.run(req_asyncio(args)),
    }
    try:
        result = runs[(args.command, args.mode)]()
    except BenchFailure as failure:
        print(failure, file=sys.stderr)
        sys.exit(failure.exit_status)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
