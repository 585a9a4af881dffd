#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every fuzz target into DIR/<target>/ (default: the
committed corpus, Tests/Fuzz/Corpus). The format is FuzzInput's (Tests/Fuzz/README.md):
a frame-count byte, then per frame a header byte (storage; 0xC0 = huge), a 2-byte
little-endian length and the bytes.

    Tests/Fuzz/seeds.py [DIR]
"""
import hashlib
import json
import os
import struct
import sys

AS_RECEIVED, ARRAY, DATA, STRING, LIBZMQ = 0, 1, 2, 3, 4


def frame(data, storage=AS_RECEIVED):
    return bytes([storage]) + struct.pack("<H", len(data)) + data


def huge(fill, kib, storage=AS_RECEIVED):
    """A frame of `kib` KiB (at most 255) of the byte `fill` (huge: length × 64 bytes)."""
    return bytes([0xC0 | storage]) + struct.pack("<H", kib * 16) + bytes([fill])


def m(*parts, count=None):
    """A message of frames given as bytes (stored as received) or already encoded tuples."""
    encoded = [p[0] if isinstance(p, tuple) else frame(p) for p in parts]
    return bytes([len(encoded) if count is None else count]) + b"".join(encoded)


def enc(data, storage):
    return (frame(data, storage),)


def big(fill, kib, storage=AS_RECEIVED):
    return (huge(fill, kib, storage),)


REQUEST_ID = struct.pack(">Q", 42)
PROBE = json.dumps({"name": "x", "values": [1.5, -2, 1e300], "counts": {"a": 1}, "flag": True,
                    "child": [{"name": "y", "values": []}]}).encode()
ERROR = json.dumps({"code": "bad-request", "message": "no"}).encode()
BAD_UTF8 = b"\xff\xfe\xc3\x28\xed\xa0\x80"
ROUTING_ID = b"\x00\x80\x00\x00\x41"


def metadata_entry(key, value):
    return bytes([len(key)]) + key + struct.pack(">I", len(value)) + value


# A metadata frame (CallMetadata, wire protocol version 2): a timeout and two headers.
METADATA = (b"ZMD\x01" + metadata_entry(b"zmq-timeout-us", b"1500000") + metadata_entry(b"tenant", b"acme")
            + metadata_entry(b"trace.id", "é".encode()))

# A reply's metadata frame (wire protocol version 3): the zmq-reply marker first, then a header.
REPLY_MARKER = b"ZMD\x01" + metadata_entry(b"zmq-reply", b"")
REPLY_METADATA = REPLY_MARKER + metadata_entry(b"served-by", b"s1")

# Server streaming (wire protocol version 4): the role, and the credit where there is one.
def stream(role, credit=None, reply=False):
    frame = (REPLY_MARKER if reply else b"ZMD\x01") + metadata_entry(b"zmq-stream", role)
    return frame + (metadata_entry(b"zmq-stream-credit", credit) if credit is not None else b"")


def beacon(name, port, key=None, goodbye=False):
    """A beacon datagram (BeaconFrame, version 1) with instance 10 11 ... 1F."""
    flags = (1 if key is not None else 0) | (2 if goodbye else 0)
    return (b"ZBCN" + bytes([1, flags]) + bytes(range(0x10, 0x20)) + struct.pack(">H", port)
            + bytes([len(name)]) + name + (key or b""))


ZAP_KEY = bytes((i * 37 + 11) & 0xFF for i in range(32))  # FuzzTarget.zapClientKey


def zap(domain, address, mechanism, *credentials, version=b"1.0"):
    """A ZAP request's frames after the envelope (ZAPRequest)."""
    return m(version, b"1", domain, address, b"", mechanism, *credentials)


SEEDS = {
    "request-reply": [
        m(REQUEST_ID, b"", PROBE),                                  # success / DEALER request
        m(REQUEST_ID, b"error", b"", ERROR),                        # error reply
        m(REQUEST_ID, b"error", b"", BAD_UTF8),                     # error reply, body not JSON
        m(REQUEST_ID, b"error", b"", ERROR, ERROR),                 # error reply, two bodies
        m(ROUTING_ID, REQUEST_ID, b"", PROBE),                      # request on the ROUTER
        m(ROUTING_ID, b"", b"hello"),                               # a REQ's request
        m(REQUEST_ID, b"x", b"y", b"", PROBE),                      # malformed envelope
        m(REQUEST_ID, b""),                                         # no body
        m(b"short", b"", PROBE),                                    # not our id
        m(b"a", b"b"),                                              # no delimiter
        m(REQUEST_ID, METADATA, b"", PROBE),                        # version 2: with metadata
        m(ROUTING_ID, REQUEST_ID, METADATA, b"", PROBE),            # the same on the ROUTER
        m(REQUEST_ID, METADATA, b"error", b"", ERROR),              # error reply, metadata echoed
        m(ROUTING_ID, REQUEST_ID, b"ZMD\x01\x05ab", b"", PROBE),     # metadata cut short
        m(REQUEST_ID, REPLY_METADATA, b"", PROBE),                  # version 3: a reply's headers
        m(REQUEST_ID, REPLY_MARKER + b"\x03ab", b"", PROBE),         # a reply's headers cut short
        m(ROUTING_ID, REQUEST_ID, stream(b"open", b"32") + metadata_entry(b"zmq-timeout-us", b"500000"), b"", PROBE),
        m(ROUTING_ID, REQUEST_ID, stream(b"credit", b"16"), b""),   # version 4: credit
        m(ROUTING_ID, REQUEST_ID, stream(b"cancel"), b""),          # a cancel
        m(ROUTING_ID, REQUEST_ID, stream(b"open", b"0"), b"", PROBE),  # credit out of range
        m(ROUTING_ID, REQUEST_ID, stream(b"open", b"65537"), b"", PROBE),
        m(ROUTING_ID, REQUEST_ID, stream(b"open"), b"", PROBE),     # open without credit
        m(ROUTING_ID, REQUEST_ID, stream(b"pause"), b""),           # unknown role
        m(REQUEST_ID, stream(b"item", reply=True), b"", PROBE),     # an item
        m(REQUEST_ID, stream(b"end", reply=True), b""),             # the end
        m(REQUEST_ID, stream(b"end", reply=True), b"", PROBE),      # an end with a body
        m(REQUEST_ID, stream(b"credit", b"1", reply=True), b""),    # a client's role in a reply
        m(b""),                                                     # one empty frame
        m(count=0),                                                 # no frame at all
        m(count=255),                                               # 255 empty frames
        m(REQUEST_ID, b"", BAD_UTF8),                               # body not UTF-8
        m(REQUEST_ID, b"", *big(ord("["), 64)),                     # huge body
        m(REQUEST_ID, b"", b"[" * 600 + b"]" * 600),                # deep nesting
        m(*enc(REQUEST_ID, LIBZMQ), *enc(b"", DATA), *enc(PROBE, STRING)),
    ],
    "pub-sub": [
        m(b"10001", PROBE),
        m(b"10001", b"sunny"),
        m(b"10001"),                                                # no body
        m(b"10001", PROBE, PROBE),                                  # two body frames
        m(BAD_UTF8, PROBE),                                         # binary topic
        m(b"10001", BAD_UTF8),                                      # body not UTF-8
        m(b"", b""),
        m(count=0),
        m(b"t", *big(ord("x"), 255)),                               # huge body
        m(*enc(b"t", STRING), *enc(PROBE, LIBZMQ)),
        m(b"t", b"{" * 300),
    ],
    "routing": [
        m(ROUTING_ID, b"body"),                                     # from a DEALER
        m(ROUTING_ID, b"", b"body"),                                # from a REQ
        m(ROUTING_ID, b"\x00\x80\x00\x00\x42", b"", b"body"),       # behind a queue
        m(b"", b"", b"x"),                                          # empty peer id
        m(b"a", b"b", b""),                                         # trailing empty frame
        m(b"a", b""),
        m(b"only"),
        m(count=0),
        m(count=200),
        m(*big(0, 16), b"", b"x"),
        m(*enc(ROUTING_ID, LIBZMQ), *enc(b"", DATA), *enc(b"body", STRING)),
    ],
    "subscription": [
        m(b"\x01weather"),
        m(b"\x00weather"),
        m(b"\x01"),                                                 # everything
        m(b"\x02weather"),                                          # not a subscription
        m(b""),
        m(b"\x01" + BAD_UTF8),
        m(b"\x01a", b"\x01b"),
        m(count=0),
        m(*big(1, 64)),
        m(*enc(b"\x01topic", LIBZMQ)),
    ],
    "monitor": [
        m(struct.pack("<HI", 0x0001, 7), b"tcp://127.0.0.1:5555"),  # connected
        m(struct.pack("<HI", 0x0400, 0), b"tcp://127.0.0.1:5555"),  # monitor stopped
        m(struct.pack("<HI", 0xFFFF, 0xFFFFFFFF), BAD_UTF8),       # unknown kind, bad endpoint
        m(struct.pack("<HI", 0x0200, 1), b""),
        m(b"\x01\x00\x00\x00\x00", b"tcp://x"),                     # 5-byte event frame
        m(struct.pack("<HI", 1, 1), b"a", b"b"),                    # three frames
        m(struct.pack("<HI", 1, 1)),
        m(count=0),
        m(struct.pack("<HI", 1, 1), *big(ord("a"), 64)),
        m(*enc(struct.pack("<HI", 8, 3), LIBZMQ), *enc(b"ipc:///tmp/x", STRING)),
    ],
    # Docs/Discovery.md: "ZBCN", version, flags, 16-byte instance, port, name length, name, key.
    "beacon": [
        m(beacon(b"calc", 5432)),
        m(beacon(b"calc", 5432, key=bytes(range(32)))),
        m(beacon(b"calc", 5432, goodbye=True)),
        m(beacon("b\u00fcro \u2615".encode(), 65535, key=bytes(32), goodbye=True)),
        m(beacon(b"x" * 255, 1)),
        m(beacon(b"calc", 5432)[:-1]),                              # truncated
        m(beacon(b"calc", 5432) + b"\x00"),                         # trailing byte
        m(b"ZRE\x01" + bytes(18)),                                  # a ZRE beacon
        m(beacon(b"calc", 0)),                                      # port 0
        m(beacon(BAD_UTF8, 80)),
        m(beacon(b"a\nb", 80)),                                     # control character
        m(b"ZBCN\x02" + beacon(b"calc", 1)[5:]),                    # version 2
        m(count=0),
    ],
    # ZAP requests as libzmq 4.3.4 sends them (request id "1", no port); the policy is
    # FuzzTarget.makeZAPCore()'s: domain "guarded" allows 127.0.0.1, 10.0.0.0/8, ::1 with PLAIN
    # admin / s3cret-pw! or CURVE key ZAP_KEY; other domains NULL only, not from 192.168/16.
    "zap": [
        zap(b"", b"127.0.0.1", b"NULL"),                                 # allowed, anonymous
        zap(b"", b"192.168.4.2", b"NULL"),                               # denied address
        zap(b"", b"::ffff:192.168.4.2", b"NULL"),                        # the same, IPv4-mapped
        zap(b"", b"localhost:0:0:4242", b"NULL"),                        # ipc peer
        zap(b"guarded", b"10.1.2.3", b"PLAIN", b"admin", b"s3cret-pw!"),  # allowed
        zap(b"guarded", b"10.1.2.3", b"PLAIN", b"admin", b"s3cret-pw"),   # wrong password
        zap(b"guarded", b"10.1.2.3", b"PLAIN", b"mallory\nINFO x", b"p"),  # forged log line
        zap(b"guarded", b"172.16.0.1", b"PLAIN", b"admin", b"s3cret-pw!"),  # address not listed
        zap(b"guarded", b"[::1]", b"CURVE", ZAP_KEY),                    # allowed
        zap(b"guarded", b"::1", b"CURVE", bytes(32)),                    # key not allowed
        zap(b"guarded", b"::1", b"CURVE", ZAP_KEY[:31]),                 # short key
        zap(b"guarded", b"127.0.0.1", b"GSSAPI", b"token"),              # unsupported
        zap(b"", b"127.0.0.1", b"NULL", version=b"2.0"),                 # wrong version
        m(b"1.0", b"1", b""),                                            # too few frames
        m(b"1.0"),                                                       # no request id
        zap(b"", BAD_UTF8, b"NULL"),                                     # address not UTF-8
    ],
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "Corpus")
    for target, seeds in SEEDS.items():
        directory = os.path.join(root, target)
        os.makedirs(directory, exist_ok=True)
        for seed in seeds:
            with open(os.path.join(directory, hashlib.sha1(seed).hexdigest()), "wb") as f:
                f.write(seed)
        print(f"{target}: {len(seeds)} seeds in {directory}")


if __name__ == "__main__":
    main()
