"""nslab new NAME [--from EXAMPLE]"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from nslab.errors import ConflictError, ExitCode, UsageError

HELP = ("write a starter topology file NAME.yaml from one of nslab's examples (default: "
        "demo); --from list shows them")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="the lab's name (and the file's: NAME.yaml)")
    p.add_argument("--from", dest="example", default="demo", metavar="EXAMPLE",
                   help="the example to start from (list: show them)")


def examples() -> dict[str, Path]:
    """The examples, by name: beside the package in a checkout, or where the
    wheel installs them (share/nslab/examples)."""
    here = Path(__file__).resolve().parents[3] / "examples"
    folder = here if here.is_dir() else Path(sys.prefix) / "share" / "nslab" / "examples"
    found = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    found |= {f"handbook/{p.stem}": p for p in sorted(folder.glob("handbook/*.yaml"))}
    return found


def _renamed(example: Path, name: str) -> str:
    """The example as lab `name`: its `name:`, and in its comments its own
    name and path, changed."""
    text = example.read_text()
    old = re.search(r"(?m)^name:\s*(\S+)", text)
    text = re.sub(r"(?m)^name:.*$", f"name: {name}", text, count=1)
    if old is None:
        return text
    here = f"examples/{example.parent.name + '/' if example.parent.name == 'handbook' else ''}"

    def comment(m: re.Match[str]) -> str:
        line = m.group(0).replace(f"{here}{example.name}", f"{name}.yaml")
        return re.sub(rf"\b{re.escape(old.group(1))}\b", name, line)
    return re.sub(r"(?m)^#.*$", comment, text)


def run(a: argparse.Namespace) -> int:
    from nslab.model.compile import compile_text
    from nslab.names import lab_argument

    known = examples()
    if a.example == "list":
        print("\n".join(known))
        return ExitCode.OK
    if a.name is None:
        raise UsageError("name the lab: nslab new NAME [--from EXAMPLE]")
    if a.example not in known:
        raise UsageError(f"no example '{a.example}' (nslab new NAME --from list shows them: "
                         f"{', '.join(list(known)[:6])}, ...)")
    name = lab_argument(a.name)
    target = Path(f"{name}.yaml")
    text = _renamed(known[a.example], name)
    compile_text(text, target.name)  # what it writes is a lab nslab takes
    try:
        with open(target, "x") as f:
            f.write(f"# started from nslab's example {a.example} (nslab new {name} "
                    f"--from {a.example})\n" + text)
    except FileExistsError:
        raise ConflictError(f"{target} exists; nslab new never writes over a file: "
                            "another name, or remove it") from None
    print(f"wrote {target}: nslab validate {target}, then nslab up {target}")
    return ExitCode.OK
