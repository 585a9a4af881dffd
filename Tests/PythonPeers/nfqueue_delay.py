#!/usr/bin/env python3
"""Delays (and drops a share of) the packets of one network namespace, for kernels without netem.

The interop tests' ThreeHosts harness adds delay and loss with `tc netem`. Where the kernel has
no netem (CONFIG_NET_SCH_NETEM unset), it sends the host's packets to NFQUEUE instead
(`iptables -A INPUT/OUTPUT -j NFQUEUE --queue-num N`) and runs this program in the namespace: it
holds each packet for --delay milliseconds, then accepts it, or drops it with probability
--loss percent. A constant delay keeps the packets in order, as netem does.
Prints `dropped <packet id>` to stdout for each packet it drops.

Only the standard library: nfnetlink_queue spoken over a raw netlink socket. Prints
`delaying queue N` to stderr once bound; on SIGTERM prints `delayed <n>, dropped <m>` and exits.
"""

import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_DROP = 0
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, queue, attributes, flags=NLM_F_REQUEST):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attributes)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, flags, 0, 0) + body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", type=int, default=0)
    parser.add_argument("--delay", type=float, required=True, help="milliseconds")
    parser.add_argument("--loss", type=float, default=0, help="percent")
    options = parser.parse_args()

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))

    def configure(attributes):
        sock.send(message(NFQNL_MSG_CONFIG, options.queue, attributes, NLM_F_REQUEST | NLM_F_ACK))
        reply = sock.recv(65536)
        length, kind = struct.unpack_from("=IH", reply)
        if kind == NLMSG_ERROR:
            (error,) = struct.unpack_from("=i", reply, 16)
            if error != 0:
                sys.exit(f"nfqueue_delay: configuring queue {options.queue} failed: {os.strerror(-error)}")

    configure([attribute(NFQA_CFG_CMD, struct.pack("=BxH", NFQNL_CFG_CMD_BIND, 0))])
    configure([attribute(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META))])
    print(f"delaying queue {options.queue}", file=sys.stderr, flush=True)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    due = []  # (time, sequence, packet id): the verdicts to give
    sequence = 0
    delayed = dropped = 0
    while not stopping:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else 0.5
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if readable:
            data = sock.recv(1 << 20)
            offset = 0
            while offset + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, offset)
                if length < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    position = offset + 20  # netlink header, then nfgenmsg
                    while position + 4 <= offset + length:
                        size, attribute_kind = struct.unpack_from("=HH", data, position)
                        if size < 4:
                            break
                        if attribute_kind & 0x7FFF == NFQA_PACKET_HDR:
                            (packet,) = struct.unpack_from(">I", data, position + 4)
                            sequence += 1
                            heapq.heappush(due, (time.monotonic() + options.delay / 1000, sequence, packet))
                        position += (size + 3) & ~3
                offset += (length + 3) & ~3
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, packet = heapq.heappop(due)
            if random.random() * 100 < options.loss:
                verdict = NF_DROP
                dropped += 1
                print(f"dropped {packet}", flush=True)
            else:
                verdict = NF_ACCEPT
                delayed += 1
            sock.send(message(NFQNL_MSG_VERDICT, options.queue, [attribute(NFQA_VERDICT_HDR, struct.pack(">II", verdict, packet))]))
    print(f"delayed {delayed}, dropped {dropped}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
