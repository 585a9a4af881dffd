#!/usr/bin/env python3
"""Writes the hand-made seeds of the `certificates` fuzz target into DIR/certificates/ (default:
the committed corpus, Tests/Fuzz/Corpus). The first byte picks the mode (CertificateFuzzTarget):
0 a certificate file, 1 Z85 key text, 2 edits of a known secret key (two bytes per edit).

    Tests/Fuzz/certificate_seeds.py [DIR]
"""
import hashlib
import os
import sys

PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
CZMQ = f"""#   ****  Generated on 2026-12-03 19:48:12 by CZMQ  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = "my server"
    quote = 'say "hi"'
curve
    public-key = "{PUBLIC}"
    secret-key = "{SECRET}"
"""
PYZMQ = f"""#   ****  Generated on 2026-12-03 19:48:12.123 by pyzmq  ****
#   ZeroMQ CURVE Public Certificate

metadata
    owner = Jane Doe  # trailing comment
curve
    public-key = "{PUBLIC}"
"""

CERTIFICATES = [
    CZMQ,
    PYZMQ,
    CZMQ.replace("\n", "\r\n"),
    "\ufeff" + PYZMQ,
    CZMQ.replace("    public", "\tpublic"),
    CZMQ.replace("    name", "  name"),
    CZMQ.replace(f'"{PUBLIC}"', PUBLIC),
    CZMQ.replace(f'"{SECRET}"', f'"{SECRET}'),
    CZMQ + f'    public-key = "{PUBLIC}"\n',
    CZMQ.replace(SECRET, SECRET[:-1]),
    CZMQ.replace(SECRET, SECRET[:10] + "~" + SECRET[11:]),
    CZMQ.replace(SECRET, "#####" + SECRET[5:]),
    "curve\n    public-key = \"" + PUBLIC + "\"\n        deeper = x\n",
    "metadata\n    a = \"x\" y\n",
    "",
    "curve\n",
]
KEYS = [PUBLIC, SECRET, PUBLIC[:-1], PUBLIC + "0", PUBLIC[:20] + " " + PUBLIC[21:], "#" * 40, "HelloWorld", ""]
EDITS = [b"", b"\x00\x27", b"\x01\x05", b"\x02\x03", b"\x03\x00", b"\x05\x10\x06\x7e\x00\x14"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "Corpus")
    directory = os.path.join(root, "certificates")
    os.makedirs(directory, exist_ok=True)
    inputs = [b"\x00" + text.encode() for text in CERTIFICATES]
    inputs += [b"\x01" + text.encode() for text in KEYS] + [b"\x01" + bytes(range(32))]
    inputs += [b"\x02" + edits for edits in EDITS]
    for data in inputs:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print(f"{len(inputs)} seeds in {directory}")


if __name__ == "__main__":
    main()
