"""Shell completion: `nslab completion bash|zsh|fish` prints the script a
shell sources; the script asks `nslab __complete SHELL -- WORD...` (the words
after `nslab`, the last one being completed) for the candidates, one a line,
or `__files__` for the shell's own file completion. Verbs, options, choices,
lab names, the nodes of a lab and the interfaces of a node, read from the
records under /run/nslab (no namespace entered, no topology compiled): fast
enough for a TAB."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable

FILES = "__files__"  # the shell completes a file name itself

BASH = r"""# nslab completion for bash: source <(nslab completion bash)
_nslab() {
    local IFS=$'\n' line=${COMP_LINE:0:$COMP_POINT}
    local -a out
    out=($(nslab __complete bash --line "$line" 2>/dev/null))
    if [[ ${out[0]} == __files__ ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "${COMP_WORDS[COMP_CWORD]}"))
    else
        COMPREPLY=("${out[@]}")
    fi
}
complete -F _nslab nslab
"""

ZSH = r"""#compdef nslab
# nslab completion for zsh: source <(nslab completion zsh) (after compinit)
_nslab() {
    local -a out
    out=("${(@f)$(nslab __complete zsh -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ ${out[1]} == __files__ ]]; then
        _files
    else
        compadd -- "${(@)out}"
    fi
}
compdef _nslab nslab
"""

FISH = r"""# nslab completion for fish: nslab completion fish | source
function __nslab_complete
    set -l out (nslab __complete fish -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test "$out[1]" = __files__
        __fish_complete_path (commandline -ct)
    else
        printf '%s\n' $out
    end
end
complete -c nslab -f -a '(__nslab_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def _labs() -> list[str]:
    from nslab.running import known

    return known.labs()


def _node_names(lab: str) -> list[str]:
    from nslab.running import known

    return known.nodes(lab)


def _ends(lab: str) -> list[str]:
    from nslab.running import known

    return known.ends(lab)


def _namespaces() -> list[str]:
    from nslab.running import known

    return known.namespaces()


def _examples() -> list[str]:
    from nslab.cli.commands.new import examples

    return list(examples())


def _link_words(lab: str, given: list[str]) -> list[str]:
    """nslab link LAB A [B] [ACTION [KEY=VALUE...]]."""
    from nslab.running.links import ACTIONS, PROPERTIES

    if "set" in given:
        return [f"{k}=" for k in PROPERTIES]
    if any(w in ACTIONS for w in given):
        return []
    names = [] if len(given) >= 2 else [*_node_names(lab), *_ends(lab)]
    return names + (list(ACTIONS) if given else [])


# what each positional (by its dest) is completed with, given the positionals
# already there: [LAB, ...]
_POSITIONAL: dict[str, Callable[[list[str]], list[str]]] = {
    "file": lambda _: [FILES],
    "lab": lambda _: _labs(),
    "labs": lambda _: _labs(),
    "name": lambda _: _labs(),  # status NAME
    "target": lambda _: [*_labs(), FILES],  # down, test, graph: a lab or a file
    "node": lambda given: _node_names(given[0]) if given else [],
    "src": lambda given: _node_names(given[0]) if given else [],
    "dst": lambda given: _node_names(given[0]) if given else [],
    "targets": lambda given: [*_node_names(given[0]), *_ends(given[0])] if given else [],
}


def _subparser(p: argparse.ArgumentParser, word: str) -> argparse.ArgumentParser | None:
    sub = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
    return sub.choices.get(word) if sub else None


def _options(p: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {o: a for a in p._actions for o in a.option_strings}


def _positional(p: argparse.ArgumentParser, verb: str, given: list[str]) -> list[str]:
    """The candidates for the next positional after `given`."""
    if verb == "link" and given:
        return _link_words(given[0], given[1:])
    if verb == "inspect":
        return [*_labs(), *_namespaces(), "host"] if not given else _node_names(given[0])
    target = None
    for k, a in enumerate(a for a in p._actions if not a.option_strings):
        if a.nargs in ("+", "*", argparse.REMAINDER) or k == len(given):
            target = a
            break
    if target is None or target.nargs == argparse.REMAINDER:
        return []  # nothing more, or the command run inside: the shell's business
    if target.choices:
        return [str(c) for c in target.choices]
    complete = _POSITIONAL.get(target.dest)
    return complete(given) if complete else []


def candidates(words: list[str]) -> list[str]:
    """What may stand for the last of `words` (the words after `nslab`)."""
    from nslab.cli import MODULES, VERBS, parser

    *done, current = words or [""]
    if not done:
        verbs = [v for v, _ in VERBS]
        flags = ["--help", "--version"]
        return [w for w in (flags if current.startswith("-") else verbs)
                if w.startswith(current)]
    if done[0] not in MODULES:
        return []
    p: argparse.ArgumentParser | None = _subparser(parser(done[0]), done[0])
    assert p is not None
    rest = done[1:]
    if done[0] == "ns" and rest:  # nslab ns add|del|exec|list ...
        p = _subparser(p, rest[0])
        if p is None:
            return []
        rest = rest[1:]
    options = _options(p)
    if done[-1] in options and options[done[-1]].nargs != 0 and len(done) > 1:
        a = options[done[-1]]
        found = [str(c) for c in a.choices] if a.choices else \
            [FILES] if a.dest in ("write", "output", "junit") else \
            [*_examples(), "list"] if a.dest == "example" else []
        return [w for w in found if w == FILES or w.startswith(current)]
    if current.startswith("-") and "--" not in rest:
        return sorted(o for o in options if o.startswith(current) and o.startswith("--"))
    given, skip = [], False
    for w in rest:
        if skip:
            skip = False
        elif w in options:
            skip = options[w].nargs != 0
        elif w == "--":
            return []  # a command after --: the shell's business
        elif not w.startswith("-"):
            given.append(w)
    if done[0] == "ns" and p.prog.endswith(" ns"):
        found = _positional(p, "ns", given)  # add, del, exec, list
    elif done[0] == "ns":
        found = _namespaces() if p.prog.split()[-1] in ("del", "exec") and not given else []
    else:
        found = _positional(p, done[0], given)
    return [w for w in found if w == FILES or w.startswith(current)]


def words_of(line: str) -> list[str]:
    """The words of a command line being typed (after `nslab`); the last is
    the one being completed ("" after a space). An open quote is closed."""
    try:
        words = shlex.split(line)
    except ValueError:
        try:
            words = shlex.split(line + '"')
        except ValueError:
            words = shlex.split(line + "'")
    if not line or line[-1].isspace():
        words.append("")
    return words[1:]


def answer(shell: str, words: list[str]) -> list[str]:
    """The candidates as `shell` wants them: bash completes only after the last
    colon of a word (COMP_WORDBREAKS), so the part before it is left out."""
    found = candidates(words)
    current = words[-1] if words else ""
    if shell == "bash" and ":" in current:
        cut = current.rindex(":") + 1
        found = [w[cut:] if w != FILES else w for w in found]
    return found


def main(args: list[str]) -> int:
    """nslab __complete SHELL --line LINE | nslab __complete SHELL -- WORD..."""
    if len(args) < 2 or args[0] not in SCRIPTS or args[1] not in ("--line", "--"):
        return 2
    words = words_of(args[2] if len(args) > 2 else "") if args[1] == "--line" else args[2:]
    try:
        print("\n".join(answer(args[0], words)))
    except Exception:  # a TAB never prints a traceback
        return 1
    return 0
