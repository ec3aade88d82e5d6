"""Text from the file put into a shell script, safely. Pure."""

from __future__ import annotations

from collections.abc import Sequence


def heredoc(command: str, text: str) -> str:
    """`command <<'MARK'`, then `text` as it is, then MARK: the one way a step
    puts text from the file into the script. MARK is chosen so that no line
    of the text equals it (a line that did would end the text early and run
    what follows as commands), and the quotes keep the shell from expanding
    anything inside."""
    body = text if text.endswith("\n") or not text else text + "\n"
    lines = set(body.splitlines())
    mark, k = "NSLAB_EOF", 0
    while mark in lines:
        k += 1
        mark = f"NSLAB_EOF_{k}"
    return f"{command} <<'{mark}'\n{body}{mark}"


# a node's processes carry its name as their hostname: each is started in a UTS
# namespace of its own (nothing to hold or remove: it goes with its processes),
# the name set (sethostname: in a user namespace too), then the command exec'd (same pid)
HOSTNAME = 'hostname "$0" && exec "$@"'


def as_node(node: str, argv: Sequence[str]) -> list[str]:
    """`argv` run with `node` as its hostname (`hostname`, FRR's prompts)."""
    return ["unshare", "--uts", "sh", "-c", HOSTNAME, node, *argv]
