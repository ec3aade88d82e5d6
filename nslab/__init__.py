"""nslab: virtual networks out of Linux network namespaces.

    import nslab
    lab = nslab.compile_file("examples/demo.yaml")   # validate + resolve (pure)
    nslab.up(lab)                                     # build it (root)
    print(nslab.status(lab.name)["state"])
    nslab.down(lab.name)                              # remove it all

Errors are subclasses of `nslab.NslabError`; each has a one-line message and
the CLI's `exit_code`.
"""

from nslab.errors import (
    CommandError,
    ConflictError,
    KernelError,
    LabNotFoundError,
    NotRootError,
    NslabError,
    SpecError,
)
from nslab.lifecycle import (
    build_plan,
    compile_file,
    compile_text,
    down,
    list_labs,
    namespace_of,
    status,
    up,
)
from nslab.model.lab import Lab

__version__ = "0.1.0"

__all__ = [
    "CommandError",
    "ConflictError",
    "KernelError",
    "Lab",
    "LabNotFoundError",
    "NotRootError",
    "NslabError",
    "SpecError",
    "build_plan",
    "compile_file",
    "compile_text",
    "down",
    "list_labs",
    "namespace_of",
    "status",
    "up",
]
