"""nslab new NAME --from EXAMPLE: a starter file from each example, renamed,
that nslab takes as it is; never written over a file. Pure: no root."""

from __future__ import annotations

from pathlib import Path

import pytest

from nslab.cli import main
from nslab.cli.commands.new import examples
from nslab.model.compile import compile_file

ROOT = Path(__file__).resolve().parent.parent


def test_every_example_is_offered() -> None:
    found = examples()
    assert {p.resolve() for p in found.values()} == \
        {p.resolve() for p in [*(ROOT / "examples").glob("*.yaml"),
                               *(ROOT / "examples" / "handbook").glob("*.yaml")]}
    assert "demo" in found and "handbook/ch04-bridge-to-root" in found


@pytest.mark.parametrize("example", sorted(examples()))
def test_a_starter_from_each_example_is_a_lab_of_its_own_name(
        example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "mine", "--from", example]) == 0
    assert "wrote mine.yaml" in capsys.readouterr().out
    lab = compile_file(str(tmp_path / "mine.yaml"))
    original = compile_file(str(examples()[example]))
    assert lab.name == "mine"
    assert [n.name for n in lab.nodes] == [n.name for n in original.nodes]
    assert f"examples/{example}.yaml" not in (tmp_path / "mine.yaml").read_text()


def test_a_file_is_never_written_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("mine\n")
    assert main(["new", "mine"]) == 7
    assert (tmp_path / "mine.yaml").read_text() == "mine\n"
    assert "mine.yaml exists" in capsys.readouterr().err
    assert main(["new", "mine", "--from", "nope"]) == 2
    assert "no example 'nope'" in capsys.readouterr().err
    assert main(["new", "Bad/Name"]) == 2
    assert main(["new", "--from", "list"]) == 0
    assert "ospf-ring" in capsys.readouterr().out.split()
