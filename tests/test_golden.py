"""Golden tests of the pure layers: every example has its expected plan (as
shell) beside it, every error case its expected error text.
Regenerate after an intended change with NSLAB_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nslab.errors import SpecError
from nslab.lifecycle import compile_text
from nslab.plan import plan

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ERRORS = sorted((GOLDEN / "errors").glob("*.yaml"))
UPDATE = os.environ.get("NSLAB_UPDATE_GOLDEN") == "1"


def _compare(got: str, expected: Path) -> None:
    if UPDATE:
        expected.write_text(got)
    assert expected.exists(), f"no golden file {expected}: run with NSLAB_UPDATE_GOLDEN=1"
    assert got == expected.read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_plan(example: Path) -> None:
    lab = compile_text(example.read_text(), example.name)
    _compare(plan(lab).as_shell(), GOLDEN / "plans" / f"{example.stem}.sh")


@pytest.mark.parametrize("case", ERRORS, ids=[p.stem for p in ERRORS])
def test_error_text(case: Path) -> None:
    with pytest.raises(SpecError) as info:
        compile_text(case.read_text(), case.name)
    got = "\n".join(info.value.lines) + "\n"
    for line in info.value.lines:
        assert line.startswith(f"{case.name}:"), line
    _compare(got, case.with_suffix(".err"))


def test_every_example_is_covered() -> None:
    plans = {p.stem for p in (GOLDEN / "plans").glob("*.sh")}
    assert plans == {p.stem for p in EXAMPLES}
