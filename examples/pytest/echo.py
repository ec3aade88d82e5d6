#!/usr/bin/env python3
"""A small client/server program to test across a lab: the server answers each
line with the line in capitals; the client sends one line and prints the answer.

    python3 echo.py serve [--port 7000]
    python3 echo.py send HOST TEXT [--port 7000]     (exit 0 when answered)
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import sys


class Shout(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            self.wfile.write(line.upper())


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=7000)
    c = sub.add_parser("send")
    c.add_argument("host")
    c.add_argument("text")
    c.add_argument("--port", type=int, default=7000)
    a = ap.parse_args()
    if a.cmd == "serve":
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        with socketserver.ThreadingTCPServer(("", a.port), Shout) as server:
            server.serve_forever()
        return 0
    with socket.create_connection((a.host, a.port), timeout=3) as conn:
        conn.sendall(a.text.encode() + b"\n")
        print(conn.makefile().readline(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
