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
            "99999999999999999999", "null", "~", "2001-01-01", "=", "0o17", "{a: 1, a: 2}",
            "\n  ", "h1\n", "…", "🦀"]


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


def _careful(text: str) -> tuple[object, dict[object, object]] | None:
    import yaml

    from nslab.spec import loader

    smap = loader.SourceMap("x")
    try:
        root = yaml.compose(text, Loader=loader._Loader)
    except yaml.YAMLError:
        return None
    builder = loader._Builder(smap)
    data = builder.build(root, ())
    return (None if builder.problems else data), dict(smap.marks)


@pytest.mark.parametrize("source", [str(s.relative_to(ROOT)) for s in SOURCES])
def test_the_fast_reading_is_the_careful_one(source: str) -> None:
    """`_fast` reads events straight into data: for every mutation it accepts,
    the data and every value's line:col are those the node-tree builder gives;
    what it declines (anchors, tags, repeated keys ...) the careful one reads."""
    import yaml

    from nslab.spec import loader

    original = (ROOT / source).read_text()
    fast = 0
    for seed in range(CASES_PER_SOURCE):
        text = original if seed == 0 else mutate(original, random.Random(f"{source}/{seed}"))
        smap = loader.SourceMap("x")
        try:
            data = loader._fast(text, smap)
        except (loader._Careful, yaml.YAMLError, RecursionError):
            continue
        careful = _careful(text)
        assert careful is not None and careful == (data, smap.marks), text
        fast += 1
    assert fast or source.endswith("empty.yaml")


BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['x'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: x", "nodes: {a: {}}", "links: *a8"]) + "\n"
CHAIN = ("name: big\naddressing: {pool: 10.0.0.0/8}\nnodes:\n"
         + "".join(f"  h{i}: {{}}\n" for i in range(20000))
         + "links:\n" + "".join(f"  - [h{i}, h{i + 1}]\n" for i in range(19999)))


@pytest.mark.parametrize("text, says", [
    ("name: x\x00\nnodes: {a: {}}\n", "1:8: not valid YAML: character \\x00 is not allowed"),
    ("name: !!python/object:os.system x\nnodes: {a: {}}\n", "YAML tag"),
    ("b: &b {kind: router}\nname: x\nnodes:\n  a: {<<: *b}\n", "merge keys (<<)"),
    ("name: x\nnodes: &n [*n]\n", "an alias that contains itself"),
    ("name: x\nnodes: {a: {}}\nlinks: " + "[" * 900 + "]" * 900 + "\n", "nested more than"),
    (BOMB, "expands to more than 500,000 values"),
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
    assert len(lab.nodes) == 20000 and len(lab.links) == 19999
    small = ("name: big\naddressing: {pool: 10.0.0.0/18}\nnodes:\n"  # 4,096 subnets of /30
             + "".join(f"  h{i}: {{}}\n" for i in range(5000))
             + "links:\n" + "".join(f"  - [h{i}, h{i + 1}]\n" for i in range(4999)))
    with pytest.raises(NslabError) as info:  # and a pool too small is said once
        compile_text(small, "chain.yaml")
    assert str(info.value) == ("chain.yaml:2:1: addressing: the IPv4 pool 10.0.0.0/18 has no "
                               "room left for 903 more subnets (give a larger pool)")


def test_more_nodes_or_links_than_nslab_builds_are_refused_before_any_work() -> None:
    """A lab of 170,000 nodes took 41 s and 1.4 GB to validate; the counts are
    checked before the work that grows with them, and a file of more values
    than any lab needs is refused while it is read. bench/validate.py times
    every shape of large file."""
    n = 24_000
    text = ("name: big\naddressing: {pool: 10.0.0.0/8}\nnodes:\n"
            + "".join(f"  h{i}: {{}}\n" for i in range(n))
            + "links:\n" + "".join(f"  - [h{i}, h{i + 1}]\n" for i in range(n - 1))
            + "".join(f"  - [h{i}, h{i + 2}]\n" for i in range(n - 2)))
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        with pytest.raises(NslabError) as info:
            compile_text(text, "big.yaml")
        with pytest.raises(NslabError, match="more than 500,000 values"):
            compile_text(text + "".join(f"  - [h{i}, h{i + 3}]\n" for i in range(n * 6)))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert str(info.value).splitlines() == [
        "big.yaml:3:1: nodes: 24,000 given, more than nslab builds (20,000 at most) "
        "(split the lab, or leave parts of it out)",
        f"big.yaml:{n + 4}:1: links: 47,997 given, more than nslab builds (40,000 at most) "
        "(split the lab, or leave parts of it out)"]


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


def test_many_static_routes_on_a_node_of_many_links_are_checked_in_seconds() -> None:
    """Each route's gateway was looked for on every interface of the node: a hub
    on 5,000 links with 20,000 routes was 100,000,000 checks."""
    hosts = 5_000
    routes = "".join(f"      - {{to: 172.16.{i // 256}.{i % 256}/32, via: 10.0.{i % 19 * 4 // 256}."
                     f"{i % 19 * 4 % 256 + 2}}}\n" for i in range(20_000))
    text = ("name: star\naddressing: {pool: 10.0.0.0/8}\nrouting: static\nnodes:\n"
            "  hub:\n    kind: router\n    routes:\n" + routes
            + "".join(f"  h{i}: {{}}\n" for i in range(hosts))
            + "links:\n" + "".join(f"  - [hub, h{i}]\n" for i in range(hosts)))
    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        lab = compile_text(text, "star.yaml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    hub = next(n for n in lab.nodes if n.name == "hub")
    assert len(hub.routes) == 20_000 and len(hub.interfaces) == hosts
    assert len({r.nexthops[0].via for r in hub.routes}) == 19
