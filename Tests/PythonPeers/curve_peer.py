"""CURVE peers with pyzmq's own authentication (zmq.auth), for the live interop tests of
Tests/InteropTests/Security/CurveInteropTests.swift.

    curve_peer.py client --endpoint EP --server-cert FILE --client-cert FILE
                         [--attempts N] [--timeout SECONDS] [--text TEXT]
        A REQ client. Its keys come from --client-cert (a secret certificate, read with
        zmq.auth.load_certificate), the server's public key from --server-cert. Each attempt is a
        fresh socket (linger 0) that sends "TEXT #i" and waits up to --timeout seconds for the
        reply, watching the socket's monitor meanwhile. Prints, on stdout:
            reply <text>                    per reply received
            no-reply <i>                    per attempt that timed out
            handshake-failed-auth <status>  per ZMQ_EVENT_HANDSHAKE_FAILED_AUTH (the server's ZAP
                                            status code, e.g. 400)
        and at the end
            replies <n>
            auth-failures <n>

    curve_peer.py server --server-cert FILE --allowed DIR [--endpoint EP] [--run SECONDS]
        A REP server (CURVE server, keys from the secret certificate --server-cert) guarded by
        zmq.auth.thread.ThreadAuthenticator with configure_curve(domain='*', location=DIR): only
        clients whose public certificate (*.key) is in DIR get in. Binds EP (default
        tcp://127.0.0.1:*) and prints "listening on <endpoint>" on stderr once the authenticator
        is configured. Replies "reply: <request>" to each request. Prints, on stdout:
            request <text> user-id=<User-Id>  per request (User-Id: the client key in Z85)
            handshake-succeeded               per ZMQ_EVENT_HANDSHAKE_SUCCEEDED
            handshake-failed-auth <status>    per ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        and, when it ends (SIGTERM, SIGINT or after --run seconds, default 30),
            requests <n>
            auth-failures <n>

Every wait is bounded. Exit code 0 unless the arguments or files are wrong.
"""
import argparse
import signal
import sys
import time

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

MONITORED = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH


def out(*words):
    print(*words, flush=True)


def monitor_event(monitor, counts):
    """Reads one monitor event, prints it, counts authentication failures."""
    event = recv_monitor_message(monitor)
    if event["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
        out("handshake-succeeded")
    elif event["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        counts["auth-failures"] += 1
        out("handshake-failed-auth", event["value"])


def client(args):
    client_public, client_secret = zmq.auth.load_certificate(args.client_cert)
    if client_secret is None:
        sys.exit(f"{args.client_cert} holds no secret key")
    server_public, _ = zmq.auth.load_certificate(args.server_cert)
    context = zmq.Context()
    counts = {"replies": 0, "auth-failures": 0}
    for attempt in range(1, args.attempts + 1):
        sock = context.socket(zmq.REQ)
        sock.linger = 0
        sock.curve_publickey = client_public
        sock.curve_secretkey = client_secret
        sock.curve_serverkey = server_public
        monitor = sock.get_monitor_socket(MONITORED)
        sock.connect(args.endpoint)
        sock.send_string(f"{args.text} #{attempt}")
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(monitor, zmq.POLLIN)
        deadline = time.monotonic() + args.timeout
        replied = False
        while not replied:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for ready, _ in poller.poll(left * 1000):
                if ready is sock:
                    out("reply", sock.recv_string())
                    counts["replies"] += 1
                    replied = True
                else:
                    monitor_event(monitor, counts)
        if not replied:
            out("no-reply", attempt)
        while monitor.poll(0):
            monitor_event(monitor, counts)
        sock.disable_monitor()
        monitor.close(linger=0)
        sock.close(linger=0)
    out("replies", counts["replies"])
    out("auth-failures", counts["auth-failures"])
    context.term()


def server(args):
    server_public, server_secret = zmq.auth.load_certificate(args.server_cert)
    if server_secret is None:
        sys.exit(f"{args.server_cert} holds no secret key")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    context = zmq.Context()
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve(domain="*", location=args.allowed)

    sock = context.socket(zmq.REP)
    sock.linger = 0
    sock.curve_publickey = server_public
    sock.curve_secretkey = server_secret
    sock.curve_server = True
    monitor = sock.get_monitor_socket(MONITORED)
    sock.bind(args.endpoint)
    print("listening on " + sock.last_endpoint.decode(), file=sys.stderr, flush=True)

    counts = {"requests": 0, "auth-failures": 0}
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)
    deadline = time.monotonic() + args.run
    while not stopping and time.monotonic() < deadline:
        for ready, _ in poller.poll(100):
            if ready is sock:
                frame = sock.recv(copy=False)
                text = frame.bytes.decode()
                out("request", text, "user-id=" + frame.get("User-Id"))
                counts["requests"] += 1
                sock.send_string("reply: " + text)
            else:
                monitor_event(monitor, counts)
    while monitor.poll(0):
        monitor_event(monitor, counts)
    out("requests", counts["requests"])
    out("auth-failures", counts["auth-failures"])
    sock.disable_monitor()
    monitor.close(linger=0)
    sock.close(linger=0)
    auth.stop()
    context.term()


def main():
    parser = argparse.ArgumentParser(description="CURVE client or server using pyzmq's zmq.auth.")
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("client", help="REQ client with a pyzmq secret certificate")
    c.add_argument("--endpoint", required=True)
    c.add_argument("--server-cert", required=True, help="the server's (public) certificate file")
    c.add_argument("--client-cert", required=True, help="this client's secret certificate file")
    c.add_argument("--attempts", type=int, default=1, help="fresh sockets to try, one request each")
    c.add_argument("--timeout", type=float, default=5, help="seconds to wait for each reply")
    c.add_argument("--text", default="hello")
    s = commands.add_parser("server", help="REP server guarded by ThreadAuthenticator")
    s.add_argument("--endpoint", default="tcp://127.0.0.1:*")
    s.add_argument("--server-cert", required=True, help="the server's secret certificate file")
    s.add_argument("--allowed", required=True, help="directory of the allowed clients' *.key files")
    s.add_argument("--run", type=float, default=30, help="seconds to serve at most (default 30)")
    args = parser.parse_args()
    client(args) if args.command == "client" else server(args)


if __name__ == "__main__":
    main()
