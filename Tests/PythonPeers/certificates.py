"""pyzmq's certificate functions (zmq.auth) for the interop tests of Tests/InteropTests/Security.

    certificates.py create DIR NAME [KEY=VALUE ...]   zmq.auth.create_certificates; prints
                                                      "public <path>" and "secret <path>"
    certificates.py load FILE                          zmq.auth.load_certificate; prints
                                                      "public <z85>" and "secret <z85>" (or
                                                      "secret none")
    certificates.py loaddir DIR                        zmq.auth.load_certificates; prints
                                                      "public <z85>" per key
"""
import sys

import zmq.auth


def main():
    command = sys.argv[1]
    if command == "create":
        metadata = dict(item.split("=", 1) for item in sys.argv[4:])
        public, secret = zmq.auth.create_certificates(sys.argv[2], sys.argv[3], metadata or None)
        print("public", public)
        print("secret", secret)
    elif command == "load":
        public, secret = zmq.auth.load_certificate(sys.argv[2])
        print("public", public.decode())
        print("secret", secret.decode() if secret else "none")
    elif command == "loaddir":
        for key in sorted(zmq.auth.load_certificates(sys.argv[2])):
            print("public", key.decode())
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
