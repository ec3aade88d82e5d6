"""Mutations of every example and golden file (seeded, so a failure can be
replayed): `validate` gives a verdict (a lab, or located errors) for each,
never a traceback, a hang or a crash. A few hundred cases, in seconds."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from nslab.errors import NslabError
from nslab.model.compile import compile_text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/golden/errors/*.yaml")])
CASES_PER_SOURCE = 24
SNIPPETS = ["\x00", "\xff", "!!python/object:os.system x", "<<: *a", "&a [*a]", "{", "[[[",
            ": :", "'", '"', "\t", "- - -", "*nope", "0x1f", "::/48", "10.0.0.0/33", "-1",
            "99999999999999999999", "null", "~", "{a: 1, a: 2}", "\n  ", "h1\n", "…", "🦀"]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(len(lines))
        match rng.randrange(6):
            case 0:  # a snippet somewhere in a line
                at = rng.randint(0, len(lines[k]))
                lines[k] = lines[k][:at] + rng.choice(SNIPPETS) + lines[k][at:]
            case 1:
                del lines[k]
            case 2:
                lines.insert(k, lines[k])
            case 3:  # a character changed
                if lines[k]:
                    at = rng.randrange(len(lines[k]))
                    lines[k] = lines[k][:at] + chr(rng.randrange(32, 127)) + lines[k][at + 1:]
            case 4:
                lines = lines[:k + 1]  # cut short
            case _:
                lines[k] = " " * rng.randint(0, 8) + lines[k].lstrip()
        lines = lines or [""]
    return "".join(lines)


def cases() -> Iterator[tuple[str, int]]:
    for src in SOURCES:
        for k in range(CASES_PER_SOURCE):
            yield str(src.relative_to(ROOT)), k


def _timeout(_sig: int, _frame: FrameType | None) -> None:
    raise TimeoutError("validate took more than 10 s")


@pytest.mark.parametrize("source, seed", list(cases()))
def test_a_mutated_file_gets_a_verdict(source: str, seed: int) -> None:
    text = mutate((ROOT / source).read_text(), random.Random(f"{source}/{seed}"))
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        compile_text(text, "fuzz.yaml")
    except NslabError as e:
        assert str(e).strip() and "Traceback" not in str(e)
        assert all(line.startswith("fuzz.yaml:") for line in str(e).splitlines()), str(e)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['x'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: x", "nodes: {a: {}}", "links: *a8"]) + "\n"
CHAIN = ("name: big\naddressing: {pool: 10.0.0.0/8}\nnodes:\n"
         + "".join(f"  h{i}: {{}}\n" for i in range(20001))
         + "links:\n" + "".join(f"  - [h{i}, h{i + 1}]\n" for i in range(20000)))


@pytest.mark.parametrize("text, says", [
    ("name: x\x00\nnodes: {a: {}}\n", "1:8: not valid YAML: character \\x00 is not allowed"),
    ("name: !!python/object:os.system x\nnodes: {a: {}}\n", "YAML tag"),
    ("b: &b {kind: router}\nname: x\nnodes:\n  a: {<<: *b}\n", "merge keys (<<)"),
    ("name: x\nnodes: &n [*n]\n", "an alias that contains itself"),
    ("name: x\nnodes: {a: {}}\nlinks: " + "[" * 900 + "]" * 900 + "\n", "nested more than"),
    (BOMB, "expands to more than 1,000,000 values"),
], ids=["nul", "tag", "merge", "recursive-alias", "deep", "alias-bomb"])
def test_hostile_yaml_is_refused_where_it_is(text: str, says: str) -> None:
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        with pytest.raises(NslabError) as info:
            compile_text(text, "h.yaml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert says in str(info.value) and str(info.value).startswith("h.yaml:")


def test_not_utf8_is_refused_where_it_is(tmp_path: Path) -> None:
    from nslab.model.compile import compile_file

    f = tmp_path / "b.yaml"
    f.write_bytes(b"name: x\nnodes: {a: {}}\n\xff\xfe\n")
    with pytest.raises(NslabError, match=r"b.yaml:3:1: not UTF-8 text \(byte 0xff\)"):
        compile_file(f)


def test_a_large_file_without_routers_is_resolved_in_seconds() -> None:
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)  # it took minutes: routing and interfaces were quadratic
    try:
        lab = compile_text(CHAIN, "chain.yaml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert len(lab.nodes) == 20001 and len(lab.links) == 20000
    with pytest.raises(NslabError) as info:  # and a pool too small is said once
        compile_text(CHAIN.replace("10.0.0.0/8", "10.0.0.0/16"), "chain.yaml")
    assert str(info.value) == ("chain.yaml:2:1: addressing: the IPv4 pool 10.0.0.0/16 has no "
                               "room left for 3616 more subnets (give a larger pool)")


def test_routing_auto_that_would_not_fit_is_refused_not_computed() -> None:
    routers = "".join(f"  r{i}: {{kind: router}}\n" for i in range(2500))
    links = "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(2499))
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        with pytest.raises(NslabError, match=r"routing: auto could need 6,247,500 routes "
                                             r"\(2,500 nodes by 2,499 subnets\)"):
            compile_text(f"name: big\naddressing: {{pool: 10.0.0.0/8}}\nnodes:\n{routers}"
                         f"links:\n{links}", "big.yaml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
