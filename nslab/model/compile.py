"""A topology file (or text) to a resolved `Lab`: load, validate, resolve,
every problem rendered with its file:line:col. Pure: no kernel, no state."""

from __future__ import annotations

from pathlib import Path

from nslab.errors import Problem
from nslab.model.lab import Lab
from nslab.model.resolve import ResolveError, resolve
from nslab.model.roles import EXTRA, SUITE_NAMES
from nslab.spec import load, load_text
from nslab.spec.daemons import is_inline
from nslab.spec.loader import SourceMap
from nslab.spec.schema import LabSpec


def _resolved(spec: LabSpec, smap: SourceMap, base: Path) -> Lab:
    configs, problems = _configs(spec, base)
    try:
        lab = resolve(spec, configs)
    except ResolveError as e:
        raise smap.fail(problems + e.problems) from None
    if problems:
        raise smap.fail(problems)
    return lab


MAX_CONFIG = 1_000_000  # bytes of a daemon's config file


def _configs(spec: LabSpec, base: Path) -> tuple[dict[str, str], list[Problem]]:
    """The routers' own daemon configs: the text the file gives, or the file it
    names (relative to the topology file's folder); what `extra` adds to the
    one nslab writes under the key NODE+ (nslab.model.roles.EXTRA)."""
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for name, node in spec.nodes.items():
        for suite in SUITE_NAMES:
            own = getattr(node, suite, None)
            for key, given in (("config", getattr(own, "config", None)),
                               ("extra", getattr(own, "extra", None))):
                if given is None:
                    continue
                text = given if is_inline(given) else _read(
                    base / given, given, ("nodes", name, suite, key), problems)
                if text is not None:
                    out[name + EXTRA if key == "extra" else name] = text
    return out, problems


def _read(path: Path, given: str, where: tuple[str | int, ...], problems: list[Problem]
          ) -> str | None:
    try:
        if path.stat().st_size > MAX_CONFIG:
            problems.append(Problem(where, f"{given} is larger than {MAX_CONFIG:,} bytes"))
            return None
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(where, f"config file {given} does not exist",
                                "a path is relative to the topology file's folder"))
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(where, f"cannot read {given}: {e}"))
    return None


def compile_file(path: str | Path) -> Lab:
    """Load, validate and resolve a topology file (every problem at once)."""
    spec, smap = load(path)
    return _resolved(spec, smap, Path(path).resolve().parent)


def compile_text(text: str, file: str = "<string>") -> Lab:
    spec, smap = load_text(text, file)
    return _resolved(spec, smap, Path.cwd())


