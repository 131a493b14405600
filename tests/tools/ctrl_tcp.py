#!/usr/bin/env python3
"""Send one command to baresip's ctrl_tcp module and print its reply.

    ctrl_tcp.py HOST:PORT JSON [--timeout SECS] [--events]

ctrl_tcp frames every message as a netstring (LEN ":" BYTES ","). JSON is the
command object, e.g. '{"command":"dial","params":"sip:x@127.0.0.1:5060"}'; a
plain word (`callstat`) is wrapped as {"command":WORD}. A "token" is added if
missing, and the reply carrying it ("response":true) is printed as one line of
JSON. Events ("event":true) arriving meanwhile are skipped, or printed to stderr
with --events. Exit status: 0 if the reply says "ok":true, 1 if not, 2 on a
connection error or timeout (default 5 s). Stdlib only.
"""
import json
import socket
import sys
import time


def read_netstring(sock, buf, deadline):
    while True:
        colon = buf.find(b":")
        if colon > 0:
            try:
                n = int(buf[:colon])
            except ValueError:
                raise RuntimeError("bad netstring length %r" % buf[:colon])
            if len(buf) >= colon + 1 + n + 1:
                body = buf[colon + 1:colon + 1 + n]
                if buf[colon + 1 + n:colon + 2 + n] != b",":
                    raise RuntimeError("netstring not terminated by ','")
                return body, buf[colon + 2 + n:]
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no reply")
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    timeout = 5.0
    events = "--events" in argv
    for i, a in enumerate(argv):
        if a == "--timeout" and i + 1 < len(argv):
            timeout = float(argv[i + 1])
            args.remove(argv[i + 1])
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    host, _, port = args[0].rpartition(":")
    cmd = args[1].strip()
    if cmd.startswith("{"):
        obj = json.loads(cmd)
    else:
        word, _, params = cmd.partition(" ")
        obj = {"command": word}
        if params:
            obj["params"] = params
    obj.setdefault("token", "t%d" % int(time.time() * 1000))
    data = json.dumps(obj).encode()
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host or "127.0.0.1", int(port)),
                                        timeout=timeout)
        sock.sendall(b"%d:%s," % (len(data), data))
        buf = b""
        while True:
            body, buf = read_netstring(sock, buf, deadline)
            msg = json.loads(body)
            if msg.get("response") and msg.get("token") == obj["token"]:
                print(json.dumps(msg))
                return 0 if msg.get("ok") else 1
            if events:
                sys.stderr.write(json.dumps(msg) + "\n")
    except (OSError, RuntimeError, TimeoutError, ValueError) as e:
        sys.stderr.write("ctrl_tcp: %s:%s: %s\n" % (host, port, e))
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
