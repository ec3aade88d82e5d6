"""A topology file (or text) to a resolved `Lab`: load, validate, resolve,
every problem rendered with its file:line:col. Pure: no kernel, no state."""

from __future__ import annotations

import os
from pathlib import Path

from nslab.model.lab import Lab
from nslab.model.resolve import ResolveError, resolve
from nslab.spec import load, load_text
from nslab.spec.loader import SourceMap
from nslab.spec.schema import LabSpec


def _resolved(spec: LabSpec, smap: SourceMap) -> Lab:
    try:
        return resolve(spec)
    except ResolveError as e:
        raise smap.fail(e.problems) from None


def compile_file(path: str | Path) -> Lab:
    """Load, validate and resolve a topology file (every problem at once)."""
    spec, smap = load(path)
    return _resolved(spec, smap)


def compile_text(text: str, file: str = "<string>") -> Lab:
    spec, smap = load_text(text, file)
    return _resolved(spec, smap)


def names_a_file(target: str) -> bool:
    """Whether a command's LAB|FILE argument is a topology file (it exists, or
    ends in .yaml/.yml) rather than the name of a lab that is up."""
    return os.path.isfile(target) or target.endswith((".yaml", ".yml"))
