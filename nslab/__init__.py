"""nslab: virtual networks out of Linux network namespaces.

    from nslab import Lab
    with Lab("examples/demo.yaml") as lab:            # up now, down at the end
        print(lab.node("h1").run(["ping", "-c1", lab.node("h3").address]).returncode)
        assert lab.test().ok                          # probes and the file's expectations

The functions underneath (compile_file, up, down, status...) take the resolved
model (nslab.model.Lab).

Errors are subclasses of `nslab.NslabError`; each has a one-line message and
the CLI's `exit_code`.
"""

from typing import TYPE_CHECKING, Any

from nslab.errors import (
    CommandError,
    ConflictError,
    KernelError,
    LabNotFoundError,
    MissingFeatureError,
    NotFoundError,
    NotRootError,
    NslabError,
    SpecError,
)

if TYPE_CHECKING:
    from nslab.api import Lab, Node, RunResult
    from nslab.model.compile import compile_file, compile_text
    from nslab.state.record import namespace_of
    from nslab.verbs.down import down
    from nslab.verbs.inspect import inspect, inspect_lab
    from nslab.verbs.ns import ns_list
    from nslab.verbs.status import list_labs, status
    from nslab.verbs.up import build_plan, up

# Loaded on first use, so that commands which only read the kernel (inspect,
# ns) start without the topology-file machinery.
_LAZY = {"Lab": "nslab.api", "Node": "nslab.api", "RunResult": "nslab.api",
         "namespace_of": "nslab.state.record",
         "inspect": "nslab.verbs.inspect", "inspect_lab": "nslab.verbs.inspect",
         "ns_list": "nslab.verbs.ns", "compile_file": "nslab.model.compile",
         "compile_text": "nslab.model.compile", "build_plan": "nslab.verbs.up",
         "up": "nslab.verbs.up", "down": "nslab.verbs.down", "status": "nslab.verbs.status",
         "list_labs": "nslab.verbs.status"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nslab' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "CommandError",
    "ConflictError",
    "KernelError",
    "Lab",
    "LabNotFoundError",
    "MissingFeatureError",
    "Node",
    "NotFoundError",
    "NotRootError",
    "NslabError",
    "RunResult",
    "SpecError",
    "build_plan",
    "compile_file",
    "compile_text",
    "down",
    "inspect",
    "inspect_lab",
    "list_labs",
    "namespace_of",
    "ns_list",
    "status",
    "up",
]
