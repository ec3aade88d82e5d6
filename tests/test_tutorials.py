"""Every console block of the tutorials, of the guides and of the README's
tour runs as written, each page in its own sandbox that plays the machine,
its output compared with the documented one (tests/helpers/tutorial.py says
how): the docs cannot drift from what nslab does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import sandbox
from tests.helpers.tutorial import commands, matches

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
GUIDES = [p for p in sorted((ROOT / "docs" / "guide").glob("*.md"))
          if "```console" in p.read_text()]
PAGES = [ROOT / "README.md", *TUTORIALS, *GUIDES]


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_the_page_runs_as_written(page: Path) -> None:
    out = sandbox.run("tests.helpers.tutorial", "check", str(page), timeout=600)
    failed = [(r["command"], r["exit"], r["wanted_exit"], r["said"])
              for r in out["results"] if not r["ok"]]
    assert out["commands"] >= 3 and not failed, failed


@pytest.mark.parametrize("page", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_every_tutorial_shows_commands_and_what_they_say(page: Path) -> None:
    found = commands(page.read_text())
    assert len(found) >= 4 and sum(1 for c in found if c.expected) >= 3


def test_documented_output_is_matched_as_the_harness_says() -> None:
    assert matches(["a ... c"], ["a b c"]) and not matches(["a ... c"], ["a b d"])
    assert matches(["...", "x"], ["1", "2", "x"]) and matches(["x", "..."], ["x"])
    assert not matches(["x"], ["x", "y"]) and matches([], [])
    text = "```console\n# echo hi  # exits 3\nhi\n# cat > f <<'EOF'\na\nEOF\n```\n" \
           "```sh\n# not run\n```\n"
    got = commands(text)
    assert [(c.text, c.expected, c.exits) for c in got] == [
        ("echo hi  # exits 3", ["hi"], 3), ("cat > f <<'EOF'\na\nEOF", [], 0)]


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_an_excerpt_of_an_example_is_in_the_example(page: Path) -> None:
    """A YAML block that starts `# examples/NAME.yaml` shows lines of that file,
    in its order (the README's tour, the guides): it cannot drift from it."""
    import re

    for block in re.findall(r"```yaml\n# (examples/\S+\.yaml)\n(.*?)```", page.read_text(), re.S):
        path, body = block
        def bare(line: str) -> str:  # a trailing comment left out of an excerpt is fine
            return re.sub(r"\s+#.*$", "", line).rstrip()

        lines = iter((ROOT / path).read_text().splitlines())
        for want in (ln for ln in body.splitlines() if ln.strip()):
            assert any(bare(ln) == bare(want) for ln in lines), \
                f"{page.name}: '{want}' is not in {path} (or not in its order)"


@pytest.mark.parametrize("page", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_every_topology_file_a_tutorial_writes_meets_the_schema(page: Path) -> None:
    """The files the tutorials write (cat > NAME.yaml <<'EOF') validate against
    the JSON Schema editors use, as the examples do (tests/test_package.py)."""
    import jsonschema
    import yaml

    from nslab.spec.json_schema import schema

    written = [c.text.split("\n", 1)[1].rsplit("\n", 1)[0] for c in commands(page.read_text())
               if c.text.startswith("cat > ") and ".yaml <<" in c.text.split("\n")[0]]
    for text in written:
        errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(yaml.safe_load(text)))
        assert not errors, [e.message for e in errors][:3]
