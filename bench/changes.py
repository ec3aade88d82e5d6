#!/usr/bin/env python3
"""A running lab changed, measured in a sandbox that plays the machine
(tests/helpers/sandbox.py), against `down` + `up` of the same lab in the same run:

  apply    a one-link change to a chain of N routers (a link added between its
           ends, then removed again), and a rate set on one link; the targets:
           well under a second for N = 1000
  diff     what apply would do, without doing it
  check    the whole lab read back and compared (target: under 2 s for N = 1000)
  rebuild  down + up of the same lab: what a change costs without apply

Each is the `nslab` command a person types (Python's start included, its
bytecode cached), made three times: the median is reported.
Usage (root):  .venv/bin/python bench/changes.py [-n 1000]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import NSLAB, bench, enter, nslab, user_env  # noqa: E402


def chain(n: int, extra: str = "") -> str:
    nodes = "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
    links = "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(n - 1))
    return f"name: big\nrouting: static\nnodes:\n{nodes}links:\n{links}{extra}"


ROUNDS = 3  # each change made this many times (there and back): the median is reported
ENV: dict[str, str] = {}


def timed(*args: str) -> float:
    t0 = time.monotonic()
    r = subprocess.run([*NSLAB, *args], capture_output=True, text=True, cwd=REPO, env=ENV)
    seconds = time.monotonic() - t0
    assert r.returncode in (0, 11), f"nslab {' '.join(args)}: {r.stderr}"
    return seconds


def inside(n: int) -> None:
    enter()
    base, ring, rated = (Path(f"/run/{x}.yaml") for x in ("base", "ring", "rated"))
    base.write_text(chain(n))
    ring.write_text(chain(n, f"  - [r0, r{n - 1}]\n"))
    rated.write_text(chain(n).replace("  - [r0, r1]\n", "  - {endpoints: [r0, r1], "
                                      "rate: 10mbit}\n"))
    ENV.update(user_env())  # as a person's nslab runs: its bytecode cached
    out: dict[str, float] = {"up": timed("up", str(base))}
    runs: dict[str, list[float]] = {}
    for _ in range(ROUNDS):  # base -> ring -> ring -> base -> rated -> base
        for key, args in (("diff_link", ("diff", ring)), ("apply_link", ("apply", ring)),
                          ("apply_same", ("apply", ring)), ("apply_unlink", ("apply", base)),
                          ("apply_rate", ("apply", rated)), ("apply_unrate", ("apply", base)),
                          ("check", ("check", "big"))):
            runs.setdefault(key, []).append(timed(*map(str, args)))
    out |= {key: statistics.median(times) for key, times in runs.items()}
    out["validate"] = timed("validate", str(ring))
    # in-process (the Python API's cost): the file read, then apply alone
    from nslab.model.compile import compile_file
    from nslab.verbs import apply as apply_verb
    from nslab.verbs import check as check_verb

    t0 = time.monotonic()
    lab = compile_file(ring)
    out["py_compile"] = time.monotonic() - t0
    t0 = time.monotonic()
    apply_verb.apply(lab)
    out["py_apply_link"] = time.monotonic() - t0
    t0 = time.monotonic()
    apply_verb.apply(lab)
    out["py_apply_same"] = time.monotonic() - t0
    t0 = time.monotonic()
    check_verb.check("big")
    out["py_check"] = time.monotonic() - t0
    apply_verb.apply(compile_file(base))
    out["down"] = timed("down", "big")
    out["up_again"] = timed("up", str(base))
    nslab("down", "big")
    print(json.dumps(out))


def main() -> int:
    code, m = bench(__file__, inside, "-n", 1000, "routers in the chain", capture=True)
    if m is None:
        return code
    rebuild = m["down"] + m["up_again"]
    print(f"a chain of {m['n']} routers (nslab commands, Python's start included)")
    print(f"  up                         {m['up']:7.2f} s")
    print(f"  down + up (the rebuild)    {rebuild:7.2f} s   baseline")
    for key, what in (("diff_link", "diff: a link added"), ("apply_link", "apply: a link added"),
                      ("apply_same", "apply: the same file"),
                      ("apply_unlink", "apply: the link removed"),
                      ("apply_rate", "apply: a rate on one link"),
                      ("apply_unrate", "apply: the rate taken off"),
                      ("check", "check: the whole lab"),
                      ("validate", "validate (reading the file)")):
        print(f"  {what:<27}{m[key]:7.2f} s   {m[key] / rebuild:5.3f}x the rebuild")
    print("in-process (Python API), the file already read:")
    for key, what in (("py_apply_link", "apply: a link added"),
                      ("py_apply_same", "apply: the same lab"), ("py_check", "check")):
        print(f"  {what:<27}{m[key]:7.2f} s   {m[key] / rebuild:5.3f}x the rebuild")
    print(f"  (reading the file: {m['py_compile']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
