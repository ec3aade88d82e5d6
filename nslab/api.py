"""The Python API: a lab you can hold.

    from nslab import Lab

    with Lab("examples/routers-chain.yaml") as lab:        # up; down when the block ends
        r = lab.node("h1").run(["ping", "-c1", lab.node("h2").address])
        assert r.returncode == 0, r.stderr
        assert lab.test().ok                                # the file's expectations

A lab comes from a file, YAML text, or Python data with the file's keys
(`Lab.from_dict({...})`); `name=` renames it (so tests can run side by side).
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from nslab.errors import NslabError
from nslab.model import lab as model
from nslab.model.compile import compile_text
from nslab.records import observed, verdicts
from nslab.shell import as_node
from nslab.verbs import down as down_verb
from nslab.verbs import status as status_verb
from nslab.verbs import test as test_verb
from nslab.verbs import up as up_verb


def rootless() -> bool:
    """Without root: this process into user, mount and network namespaces of
    its own (for good), where it makes labs as root; the machine is not
    touched. True when it did (or had), False when it is root. Call it
    before any thread starts; FRR needs the user's subordinate ids
    (/etc/subuid) and the uidmap package, BIRD nothing."""
    from nslab.running import rootless as private

    return private.private_machine() is not None


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Node:
    """One node of a lab that is up."""

    def __init__(self, lab: Lab, spec: model.Node) -> None:
        self.lab = lab
        self.spec = spec
        self.name = spec.name
        self.namespace = spec.namespace

    def __repr__(self) -> str:
        return f"<nslab node {self.lab.name}/{self.name}>"

    @property
    def addresses(self) -> list[str]:
        return [str(a.ip) for i in self.spec.interfaces for a in i.addresses]

    @property
    def address(self) -> str:
        """The address that stands for the node (its first IPv4 one, else IPv6)."""
        addr = self.lab.model.primary_address(self.name)
        if addr is None:
            raise NslabError(f"node '{self.name}' has no address (a switch?)")
        return addr

    def _argv(self, cmd: str | Sequence[str]) -> list[str]:
        self.lab._require_up()
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        return ["ip", "netns", "exec", self.namespace, *as_node(self.name, argv)]

    def run(self, cmd: str | Sequence[str], *, check: bool = False,
            timeout: float | None = None, input: str | None = None) -> RunResult:
        """Run a command inside the node and wait: exit status and output.
        A string runs through `sh -c`. `check=True` raises on a non-zero status."""
        r = subprocess.run(self._argv(cmd), capture_output=True, text=True, timeout=timeout,
                           input=input, stdin=None if input is not None else subprocess.DEVNULL)
        res = RunResult(r.returncode, r.stdout, r.stderr)
        if check and not res.ok:
            raise NslabError(f"{cmd!r} on node '{self.name}' exited {r.returncode}: "
                             f"{(r.stderr or r.stdout).strip()[-300:]}")
        return res

    def popen(self, cmd: str | Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a command inside the node and return at once (a server, say).
        Whatever still runs is ended when the lab goes down."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self._argv(cmd), **kwargs)

    def inspect(self, sections: Sequence[str] = observed.SECTIONS) -> observed.Inspection:
        from nslab.verbs.inspect import inspect

        return inspect(self.lab.name, self.name, sections)


class LinkHandle:
    """`lab.link("r1", "r2")`: what `nslab link` does, from Python; each call
    returns the link as it is afterwards."""

    def __init__(self, lab: str, names: list[str]) -> None:
        self.lab, self.names = lab, names

    def _do(self, action: str, **props: str) -> Any:
        from nslab.verbs import link

        return link.change(self.lab, self.names, action, props)

    def show(self) -> Any:
        return self._do("show")

    def down(self) -> Any:
        return self._do("down")

    def up(self) -> Any:
        return self._do("up")

    def set(self, rate: str | None = None, loss: str | None = None) -> Any:
        """`rate="1mbit"`, `loss="5%"`: each way on a link, what it sends on one end."""
        props = {k: v for k, v in (("rate", rate), ("loss", loss)) if v is not None}
        return self._do("set", **props)

    def clear(self) -> Any:
        """Back to what the file says."""
        return self._do("clear")

    def flap(self, period: float = 2.0, count: int = 3) -> Any:
        from nslab.verbs import link

        return link.flap(self.lab, self.names, period, count)


class Lab:
    def __init__(self, source: str | Path | model.Lab, *, name: str | None = None) -> None:
        """`source`: a topology file's path, YAML text (anything with a new
        line), or a resolved lab (nslab.compile_file). `name`: run it under
        another lab name (line numbers in errors stay those of the file)."""
        self.source: str | None = None
        if isinstance(source, model.Lab):
            if name is not None and name != source.name:
                raise NslabError("to rename a lab, give its file or text: Lab(path, name=...)")
            self.model = source
        elif isinstance(source, Path) or "\n" not in source:
            path = Path(source)
            try:
                text = path.read_text()
            except OSError as e:
                raise NslabError(f"cannot read {path}: {e.strerror}") from None
            self.model = compile_text(_renamed(text, name), str(path))
            self.source = str(path.resolve())
        else:
            self.model = compile_text(_renamed(source, name), "<text>")
        self._up = False

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, name: str | None = None) -> Lab:
        """A lab from Python data with the keys of the topology file."""
        return cls(yaml.safe_dump(data, sort_keys=False), name=name)

    @classmethod
    def unique(cls, source: str | Path, prefix: str = "t") -> Lab:
        """The lab of `source` under a fresh name, so that runs never collide."""
        return cls(source, name=f"{prefix[:11]}-{uuid.uuid4().hex[:8]}")

    @property
    def name(self) -> str:
        return self.model.name

    def __repr__(self) -> str:
        return f"<nslab lab {self.name} ({'up' if self._up else 'down'})>"

    # ------------------------------------------------------------ up and down
    def up(self) -> Lab:
        up_verb.up(self.model, self.source)
        self._up = True
        return self

    def down(self) -> down_verb.DownResult:
        """Remove the lab; fine to call twice, or on a lab that never came up."""
        res = down_verb.down(self.name)
        self._up = False
        return res

    def __enter__(self) -> Lab:
        return self.up()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.down()

    def _require_up(self) -> None:
        if not self._up:
            raise NslabError(f"lab '{self.name}' is not up: call up() or use 'with'")

    # ------------------------------------------------------------ using it
    def node(self, name: str) -> Node:
        try:
            return Node(self, self.model.node(name))
        except KeyError:
            names = ", ".join(n.name for n in self.model.nodes)
            raise NslabError(f"lab '{self.name}' has no node '{name}' (nodes: {names})") \
                from None

    @property
    def nodes(self) -> list[Node]:
        return [Node(self, n) for n in self.model.nodes]

    def status(self) -> dict[str, Any]:
        return status_verb.status(self.name)

    def test(self, **kwargs: Any) -> verdicts.Report:
        """Probe the lab and check its file's expectations (see `nslab test`);
        keyword arguments as nslab.verbs.test.check_lab."""
        self._require_up()
        return test_verb.check_lab(self.name, self.model.tests, **kwargs)

    def link(self, a: str, b: str | None = None) -> LinkHandle:
        """The link between nodes `a` and `b` (either may say its interface), or
        the one end `a` ("r1:eth1"), to change while the lab runs."""
        self._require_up()
        return LinkHandle(self.name, [a] if b is None else [a, b])

    def converge(self, within: float = 60.0) -> verdicts.Convergence:
        """Wait until every router that runs daemons holds every prefix it
        should (as test.converge: auto), at most `within` seconds."""
        from nslab.running.converge import wait

        self._require_up()
        return wait(self.name, within)

    def vtysh(self, node: str, command: str) -> str:
        """One vtysh command on a router's FRR (`show ip route json`): its output."""
        return self._client(node, "frr", [command])

    def birdc(self, node: str, *words: str) -> str:
        """One birdc command on a router's BIRD (`"show", "route"`): its output."""
        return self._client(node, "bird", list(words))

    def _client(self, node: str, suite: str, words: list[str]) -> str:
        from nslab.running.daemons import client_argv

        self._require_up()
        r = subprocess.run(client_argv(self.name, node, suite, words), capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise NslabError(f"{' '.join(words)} on router '{node}' failed: "
                             f"{(r.stderr or r.stdout).strip()[-300:]}")
        return r.stdout

    # ------------------------------------------------------------ changing it
    def apply(self, source: str | Path | model.Lab | Lab) -> Any:
        """Change the running lab into `source` (a file, YAML text, a resolved
        lab, or another Lab of the same name), touching only what differs (see
        `nslab apply`); this Lab then stands for the new one. The ApplyResult."""
        from nslab.verbs.apply import apply

        new = source if isinstance(source, Lab) else Lab(
            source, name=self.name if not isinstance(source, model.Lab) else None)
        if new.name != self.name:
            raise NslabError(f"'{new.name}' is another lab than '{self.name}'")
        res = apply(new.model, new.source)
        self.model, self.source, self._up = new.model, new.source or self.source, True
        return res

    def check(self, repair: bool = False) -> Any:
        """The running lab compared with its file (see `nslab check`): a
        CheckResult whose `ok` says whether they match; `repair` puts it back."""
        from nslab.verbs.check import check

        self._require_up()
        return check(self.name, repair)

    def stop(self, node: str) -> Any:
        """Stop a node (see `nslab node`): links down, services and daemons ended."""
        from nslab.verbs.node import node as node_verb

        self._require_up()
        return node_verb(self.name, node, "stop")

    def start(self, node: str) -> Any:
        from nslab.verbs.node import node as node_verb

        self._require_up()
        return node_verb(self.name, node, "start")

    def run_timeline(self, speed: float = 1.0) -> Any:
        """Play the file's timeline (see `nslab run`): a RunReport."""
        from nslab.verbs.run import run

        self._require_up()
        return run(self.name, speed=speed)

    def why(self, src: str, dst: str, **kwargs: Any) -> verdicts.Diagnosis:
        """Why `src` reaches `dst`, or not (see `nslab why`)."""
        from nslab.verbs.why import why

        self._require_up()
        return why(self.name, src, dst, **kwargs)


def _renamed(text: str, name: str | None) -> str:
    """The same file under another lab name: its top-level `name:` line
    replaced, so every other line keeps its number."""
    if name is None:
        return text
    new, count = re.subn(r"^name:.*$", f"name: {name}", text, count=1, flags=re.M)
    if count:
        return new
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        return text  # the loader says what is wrong with it
    data["name"] = name
    return yaml.safe_dump(data, sort_keys=False)
