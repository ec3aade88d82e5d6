"""The resolved lab: pure, frozen, every decision made."""

from nslab.model.lab import Interface, Lab, Link, Node, Route, Segment
from nslab.model.resolve import ResolveError, resolve

__all__ = ["Interface", "Lab", "Link", "Node", "ResolveError", "Route", "Segment", "resolve"]
