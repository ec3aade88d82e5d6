"""Read a topology file, keeping the line and column of every value.

`load(path)` returns the validated `LabSpec` and a `SourceMap`; every problem in
the file is collected and raised together as one `SpecError`, each line of the
form `file:line:col: where: what (hint)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nslab.errors import Problem, SpecError
from nslab.spec.schema import LabSpec
from nslab.spec.typed import ValidationError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it

Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value of the document stands: path -> (line, column), 1-based."""

    file: str
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int, int]:
        """The deepest known position on `path`; a part of the path that the
        file does not spell (the `endpoints` of a short-form link) is skipped."""
        at: Path_ = ()
        for part in path:
            if (*at, part) in self.marks:
                at = (*at, part)
        return self.marks.get(at, (1, 1))

    def render(self, problem: Problem) -> str:
        line, col = self.where(problem.path)
        where = render_path(problem.path)
        text = f"{self.file}:{line}:{col}: "
        if where:
            text += f"{where}: "
        text += problem.message
        if problem.hint:
            text += f" ({problem.hint})"
        return one_line(text)

    def fail(self, problems: Iterable[Problem]) -> SpecError:
        ordered = sorted(problems, key=lambda p: self.where(p.path))
        return SpecError([self.render(p) for p in ordered])


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """Control characters from the file (a newline in a name) written as
    escapes: every error stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def render_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


MAX_DEPTH = 32  # a topology file is a few levels deep
# What nslab builds, at most: far more than a machine runs (a namespace costs the
# kernel about 1 MB), and small enough that any file gets its verdict in seconds.
MAX_NODES = 20_000
MAX_LINKS = 40_000
MAX_VALUES = 500_000  # values in the file, however aliases multiply them: 40,000 links take 280,000
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in
               ("str", "int", "float", "bool", "null", "seq", "map")}


class _TooBig(Exception):
    pass


class _Builder:
    """Turns a composed YAML node tree into plain data and records marks.
    Only plain YAML: no tags (`!!python/...`), no merge keys, no alias that
    contains itself, at most MAX_DEPTH levels and MAX_VALUES values however
    aliases multiply them."""

    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.problems: list[Problem] = []
        self.loader = _Loader("")
        self.values = 0
        self.open: set[int] = set()  # the nodes being built: one met again is a loop

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.smap.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooBig()
        if len(path) > MAX_DEPTH:
            self.problems.append(Problem(path, f"nested more than {MAX_DEPTH} levels deep"))
            return None
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(Problem(path, f"YAML tag {node.tag!r} is not allowed",
                                         "a topology file is plain YAML"))
            return None
        if id(node) in self.open:
            self.problems.append(Problem(path, "an alias that contains itself"))
            return None
        self.open.add(id(node))
        try:
            return self._build(node, path)
        finally:
            self.open.discard(id(node))

    def _build(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for knode, vnode in node.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(Problem(path, "merge keys (<<) are not supported",
                                                 "write the keys out"))
                    continue
                key = (self.loader.construct_object(knode)
                       if isinstance(knode, yaml.ScalarNode)
                       and knode.tag in _PLAIN_TAGS else None)
                if not isinstance(key, str):
                    self.problems.append(Problem(path, "keys must be plain names"))
                    continue
                if key in out:
                    self.smap.marks[(*path, key)] = (knode.start_mark.line + 1,
                                                     knode.start_mark.column + 1)
                    self.problems.append(Problem((*path, key), "key given twice",
                                                 "remove one of them"))
                    continue
                out[key] = self.build(vnode, (*path, key))
                # a key's own position is where errors about the key point
                self.smap.marks[(*path, key)] = (knode.start_mark.line + 1,
                                                 knode.start_mark.column + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


class _Careful(Exception):
    """The fast reading met something only the careful one handles."""


_RESOLVERS: dict[str, Any] = _Loader.yaml_implicit_resolvers
_STR = "tag:yaml.org,2002:str"
_Frame = tuple[Any, Path_]  # a container being filled and its path


def _fast(text: str, smap: SourceMap) -> Any:
    """Plain data and marks straight from the parser's events: the common file
    (no anchors, aliases, tags, merge keys, repeated keys or deep nesting) in a
    third of the time and memory of composing a node tree. Anything else raises
    `_Careful`, and the careful builder reads the file again and says what it is."""
    marks = smap.marks
    loader = _Loader("")
    stack: list[_Frame] = []
    key: Any = None  # the key read, waiting for its value, in the innermost mapping
    root: Any = None
    documents = values = 0
    events: Iterable[Any] = yaml.parse(text, Loader=_Loader)
    for ev in events:
        kind = type(ev)
        if kind is yaml.ScalarEvent:
            value: Any = _scalar(ev, loader)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if ev.anchor is not None or ev.tag is not None:
                raise _Careful()
            value = {} if kind is yaml.MappingStartEvent else []
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            key = None  # the container was the value of its key
            continue
        elif kind is yaml.AliasEvent:
            raise _Careful()
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Careful()
            continue
        else:
            continue
        if not stack:  # the document itself
            root = value
            marks[()] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            path: Path_ = ()
        else:
            placed = _place(stack[-1], key, value, ev, marks)
            if placed is None:  # this value is a key
                key = value
                continue
            path, key = placed, None
        values += 1
        if values > MAX_VALUES:
            raise _TooBig()
        if len(path) > MAX_DEPTH:
            raise _Careful()
        if kind is not yaml.ScalarEvent:
            stack.append((value, path))
    if root is None:
        raise _Careful()
    return root


def _scalar(ev: Any, loader: Any) -> Any:
    """A scalar's value, as the safe loader reads it (a tag or anchor: careful)."""
    if ev.anchor is not None or ev.tag is not None:
        raise _Careful()
    value = ev.value
    if ev.implicit[0] and (value[:1] in _RESOLVERS):
        tag = loader.resolve(yaml.ScalarNode, value, (True, False))
        if tag != _STR:
            if tag not in _PLAIN_TAGS:
                raise _Careful()
            value = loader.construct_object(yaml.ScalarNode(tag, value))
    return value


def _place(frame: _Frame, key: Any, value: Any, ev: Any, marks: dict[Path_, Any]
           ) -> Path_ | None:
    """Put `value` into the innermost container: its path, or None when it is a
    key of a mapping (its mark kept; a repeated or merge key: careful)."""
    into, at = frame
    if type(into) is dict:
        if key is None:
            if type(value) is not str or value in into or (value == "<<" and ev.implicit[0]):
                raise _Careful()
            marks[(*at, value)] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            return None
        into[key] = value
        return (*at, key)
    path = (*at, len(into))
    into.append(value)
    marks[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
    return path


def _at(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _too_big(file: str) -> SpecError:
    return SpecError([f"{file}:1:1: the file holds or expands to more than {MAX_VALUES:,} "
                      "values (aliases that multiply?)"])


def parse(text: str, file: str) -> tuple[Any, SourceMap]:
    smap = SourceMap(file)
    try:
        return _fast(text, smap), smap
    except _TooBig:
        raise _too_big(file) from None
    except (_Careful, yaml.YAMLError, RecursionError):
        smap.marks.clear()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SpecError([one_line(f"{file}:{line}:{col}: not valid YAML: {e.problem}")]
                        ) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (a NUL)
        line, col = _at(text, e.position)
        raise SpecError([f"{file}:{line}:{col}: not valid YAML: character "
                         f"{repr(chr(e.character))[1:-1]} is not allowed"]) from None
    except (yaml.YAMLError, RecursionError) as e:
        raise SpecError([one_line(f"{file}:1:1: not valid YAML: {e}")[:300]]) from None
    if root is None:
        raise SpecError([f"{file}:1:1: the file is empty "
                         "(a lab needs at least 'name' and 'nodes')"])
    builder = _Builder(smap)
    try:
        data = builder.build(root, ())
    except _TooBig:
        raise _too_big(file) from None
    if builder.problems:
        raise smap.fail(builder.problems)
    return data, smap


def _unknown_key_hint(loc: Path_) -> str:
    """What a person most likely meant by a key nslab does not know."""
    if len(loc) == 3 and loc[0] == "nodes" and loc[2] in ("address", "addresses", "ip", "ips"):
        return ("addresses go on links, one per end: {endpoints: [A, B], addresses: "
                "[10.0.0.1/24, 10.0.0.2/24]} (or none: nslab picks them); a router's own "
                "is its loopback:")
    return "see the topology file reference: docs/reference/file.md, or nslab schema"


def _pydantic_problems(err: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc: Path_ = tuple(e["loc"])
        # short-form links are rewritten to {endpoints: [...]}: map back
        if len(loc) >= 3 and loc[0] == "links" and loc[2] == "endpoints":
            idx = loc[1]
            links = data.get("links")
            if isinstance(idx, int) and isinstance(links, list) and isinstance(links[idx], list):
                loc = (loc[0], idx, *loc[3:])
        kind = e["type"]
        msg = str(e["msg"]).removeprefix("Value error, ")
        hint = ""
        if kind == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
            hint = _unknown_key_hint(loc)
        elif kind == "missing":
            msg = f"'{loc[-1]}' is required"
        problems.append(Problem(loc, msg, hint))
    return problems


def _check_size(data: dict[Any, Any], smap: SourceMap) -> None:
    """More nodes or links than nslab builds are refused before any work that
    grows with them."""
    problems = [Problem((key,), f"{len(data[key]):,} given, more than nslab builds "
                        f"({most:,} at most)", "split the lab, or leave parts of it out")
                for key, most in (("nodes", MAX_NODES), ("links", MAX_LINKS))
                if isinstance(data.get(key), dict | list) and len(data[key]) > most]
    if problems:
        raise smap.fail(problems)


def load_text(text: str, file: str = "<string>") -> tuple[LabSpec, SourceMap]:
    data, smap = parse(text, file)
    return _validated(data, smap, file)


def _validated(data: Any, smap: SourceMap, file: str) -> tuple[LabSpec, SourceMap]:
    from nslab.spec.check import check

    if not isinstance(data, dict):
        raise SpecError([f"{file}:1:1: a topology file is a mapping with 'name' and 'nodes'"])
    _check_size(data, smap)
    try:
        spec = LabSpec.model_validate(data)
    except ValidationError as e:
        raise smap.fail(_pydantic_problems(e, data)) from None
    problems = check(spec)
    if problems:
        raise smap.fail(problems)
    return spec, smap


def load(path: str | Path) -> tuple[LabSpec, SourceMap]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise SpecError([f"{p}: cannot read the topology file: {e.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        good = raw[:e.start].decode("utf-8")
        line, col = _at(good, len(good))
        raise SpecError([f"{p}:{line}:{col}: not UTF-8 text (byte 0x{raw[e.start]:02x}); "
                         "a topology file is UTF-8 YAML"]) from None
    try:  # read once: the same data tells a netlab file and is an nslab one
        data, smap = parse(text, str(p))
    except SpecError as e:
        netlab = netlab_text(p, text)
        if netlab is None:
            raise e from None
        return load_text(netlab, f"{p} (as nslab)")
    netlab = netlab_text(p, text, data)
    if netlab is not None:
        return load_text(netlab, f"{p} (as nslab)")
    return _validated(data, smap, str(p))


def netlab_text(p: Path, text: str, data: Any = None) -> str | None:
    """A netlab topology's nslab topology (YAML), resolved by netlab itself
    (nslab.netlab); None for any other file. `data`: the text as nslab's
    reader took it (None: read here)."""
    from nslab.netlab import is_netlab

    if data is None:
        try:
            data, _smap = parse(text, str(p))
        except SpecError:  # nslab's reader refuses what netlab's takes (nested dotted keys)
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                return None  # its own error, located, when read as nslab's
    if not is_netlab(data):
        return None

    from nslab.netlab.resolve import spec_of

    spec = spec_of(p)
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        spec["name"] = data["name"]  # the file's own name, as nslab would take it
    else:
        from nslab.netlab import lab_name

        spec["name"] = lab_name({"name": p.stem})
    head = (f"# {p}: a netlab topology, as nslab runs it (every address, area and\n"
            "# session as netlab resolved them; nslab convert prints this)\n")
    return head + yaml.dump(spec, Dumper=_Literal, sort_keys=False)


class _Literal(yaml.SafeDumper):
    """YAML with a text of several lines (a router's netlab-rendered lines) as
    a block, as a person writes it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and value.endswith("\n") and all(
            line == line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Literal.add_representer(str, _text)
