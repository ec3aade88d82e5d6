"""The verbs that change a running lab: apply, diff, check, node, run."""

from __future__ import annotations

import argparse
from pathlib import Path

from nslab.cli.common import compile_file, print_json, waiting
from nslab.errors import ExitCode, require_root
from nslab.views.change import change_text, check_text


def cmd_apply(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    from nslab.verbs.apply import apply

    res = apply(lab, str(Path(a.file).resolve()), on_wait=waiting(lab.name))
    d = res.to_dict()
    if a.json:
        print_json(d)
    else:
        print(change_text(d, "apply"))
    return ExitCode.OK


def cmd_diff(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    from nslab.verbs.apply import ApplyResult, diff

    change = diff(lab)
    if a.shell:
        print(change.as_shell(), end="")
        return ExitCode.OK
    d = ApplyResult(lab, change, 0.0).to_dict()
    if a.json:
        print_json(d)
    else:
        print(change_text(d, "diff"))
    return ExitCode.OK


def cmd_check(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.check import check

    res = check(a.lab, repair=a.repair)
    d = res.to_dict()
    if a.json:
        print_json(d)
    else:
        print(check_text(d))
    return ExitCode.OK if res.ok else ExitCode.DRIFT


def cmd_node(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.node import node

    res = node(a.lab, a.node, a.action)
    if a.json:
        print_json(res.to_dict())
    else:
        print(f"node {res.node} of lab {res.lab} is {res.state} ({len(res.steps)} step(s), "
              f"{res.seconds:.2f} s)")
    return ExitCode.OK


def cmd_run(a: argparse.Namespace) -> int:
    require_root()
    import sys

    from nslab.verbs.run import run
    from nslab.views import timeline as view

    def live(e: object) -> None:
        if not a.json:
            print(view.event_line(e), file=sys.stderr)  # type: ignore[arg-type]

    report = run(a.lab, live, a.every, a.speed)
    if a.junit:
        Path(a.junit).write_text(view.junit(report))
    if a.json:
        print_json(report.to_dict())
    else:
        print(view.report(report))
    return ExitCode.OK if report.ok else ExitCode.FAILED


def cmd_web(a: argparse.Namespace) -> int:
    require_root()
    import sys

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
