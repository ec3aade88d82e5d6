"""nslab: virtual networks out of Linux network namespaces.

    import nslab
    lab = nslab.compile_file("examples/demo.yaml")   # validate + resolve (pure)
    nslab.up(lab)                                     # build it (root)
    print(nslab.status(lab.name)["state"])
    nslab.down(lab.name)                              # remove it all

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
    from nslab.inspection import inspect, inspect_lab, ns_list
    from nslab.lifecycle import (
        build_plan,
        compile_file,
        compile_text,
        down,
        list_labs,
        status,
        up,
    )
    from nslab.model.lab import Lab
    from nslab.state.record import namespace_of

# Loaded on first use, so that commands which only read the kernel (inspect,
# ns) start without the topology-file machinery.
_LAZY = {"Lab": "nslab.model.lab", "namespace_of": "nslab.state.record",
         "inspect": "nslab.inspection", "inspect_lab": "nslab.inspection",
         "ns_list": "nslab.inspection",
         **{name: "nslab.lifecycle" for name in ("build_plan", "compile_file", "compile_text",
                                                 "down", "list_labs", "status", "up")}}


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
    "NotFoundError",
    "NotRootError",
    "NslabError",
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
