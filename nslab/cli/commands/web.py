"""nslab web [LAB...]"""

from __future__ import annotations

import argparse
import sys

from nslab.cli import numbers
from nslab.errors import ExitCode, require_root

HELP = ("the running labs live in a browser: topology, link states and rates, inspect and why "
        "on a click, the tests")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="*", metavar="LAB", help="only these labs (default: all)")
    p.add_argument("--port", type=numbers.listen_port, default=8080)
    p.add_argument("--bind", default="127.0.0.1",
                   help="the address to serve on (default 127.0.0.1; anything else needs a "
                        "token, made up unless --token gives one)")
    p.add_argument("--token", help="the token every request must carry")
    p.add_argument("--allow-changes", action="store_true",
                   help="let the page take links down and up and stop and start nodes")
    p.add_argument("--open", action="store_true", help="open it in a browser")


def run(a: argparse.Namespace) -> int:
    require_root()
    from nslab.web.server import Options, make, url

    opts = Options(a.bind, a.port, a.token, a.allow_changes, a.labs or None)
    server, app = make(opts)
    address = url(opts, server)
    print(f"nslab web: {address}" + ("  (read-only; --allow-changes lets the page take "
                                      "links down and stop nodes)" if not a.allow_changes
                                      else ""), flush=True)
    if opts.token and a.token is None:
        print("nslab web: bound beyond this machine, so every request needs the token "
              "in that address", file=sys.stderr)
    if a.open:
        import webbrowser

        webbrowser.open(address)
    app.hub.start()
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.hub.close()
    return ExitCode.OK
