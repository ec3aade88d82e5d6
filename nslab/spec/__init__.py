"""What the user writes: the topology file, validated with file:line errors."""

from nslab.spec.loader import SourceMap, load, load_text
from nslab.spec.schema import LabSpec

__all__ = ["LabSpec", "SourceMap", "load", "load_text"]
