"""The console blocks of a tutorial, run as written inside a sandbox that
plays the machine (tests.helpers.sandbox), their output compared with the
documented output.

In a ```console block a line starting with `# ` is a command (run by bash as
root, in a scratch folder where `examples/` is nslab's); a command ending in
`<<'EOF'` goes on to the line `EOF`. The lines after a command, up to the
next one, are its output: compared line by line, where `...` inside a line
stands for anything and a line `...` alone for any number of lines; a command
without documented output is run and not compared. A command must exit 0
unless its comment says `# exits N`. Blocks of any other language (```sh,
```yaml) are not run.

    python -m tests.helpers.tutorial check FILE.md     (inside the sandbox)
    python -m tests.helpers.tutorial record FILE.md    (prints what each command said)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import ROOT, enter

SCRATCH = Path("/run/tutorial")


@dataclass
class Command:
    text: str
    expected: list[str]
    exits: int


def commands(markdown: str) -> list[Command]:
    out: list[Command] = []
    block = False
    lines = iter(markdown.splitlines())
    for line in lines:
        if line.startswith("```"):
            block = line.strip() == "```console" if not block else False
            continue
        if not block:
            continue
        if line.startswith("# "):
            text = line[2:]
            if re.search(r"<<-?'?EOF'?\s*$", text):
                for more in lines:
                    text += "\n" + more
                    if more == "EOF":
                        break
            m = re.search(r"#\s*exits (\d+)", text.split("\n")[0])
            out.append(Command(text, [], int(m.group(1)) if m else 0))
        elif out:
            out[-1].expected.append(line)
    return out


def _line(expected: str, actual: str) -> bool:
    """`...` in a line: any text. How many tries an expectation took (" (after 2
    tries)", on a busy machine) is timing, not what the page documents."""
    pattern = ".*".join(re.escape(part) for part in expected.rstrip().split("..."))
    text = actual.rstrip()
    return re.fullmatch(pattern, text) is not None or re.fullmatch(
        pattern, re.sub(r" \(after \d+ tries\)$", "", text)) is not None


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is what `expected` documents (`...` lines: any lines)."""
    memo: dict[tuple[int, int], bool] = {}

    def at(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(expected):
                memo[(i, j)] = j == len(actual)
            elif expected[i].strip() == "...":
                memo[(i, j)] = at(i + 1, j) or (j < len(actual) and at(i, j + 1))
            else:
                memo[(i, j)] = j < len(actual) and _line(expected[i], actual[j]) \
                    and at(i + 1, j + 1)
        return memo[(i, j)]
    return at(0, 0)


def _run(c: Command) -> tuple[int, list[str]]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run(["bash", "-c", c.text], cwd=SCRATCH, env=env, capture_output=True,
                       text=True, timeout=300)
    said = (r.stdout + r.stderr).rstrip("\n")
    return r.returncode, said.split("\n") if said else []


def _prepare() -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    (SCRATCH / "examples").symlink_to(ROOT / "examples")


def check(path: str) -> dict[str, Any]:
    _prepare()
    results = []
    for c in commands(Path(path).read_text()):
        code, said = _run(c)
        ok = code == c.exits and (not c.expected or matches(c.expected, said))
        results.append({"command": c.text.split("\n")[0], "ok": ok, "exit": code,
                        "wanted_exit": c.exits, "said": said[:40] if not ok else []})
    return {"file": path, "commands": len(results), "results": results}


def record(path: str) -> dict[str, Any]:
    _prepare()
    out = []
    for c in commands(Path(path).read_text()):
        code, said = _run(c)
        out.append({"command": c.text.split("\n")[0], "exit": code, "said": said})
    return {"file": path, "record": out}


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
