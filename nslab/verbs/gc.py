"""`nslab gc`: what carries nslab's marks on this machine but no lab's journal
claims (nslab.running.marks), listed, and removed with --yes. For when
/run/nslab/<lab> was lost: `down` no longer knows the lab, and its objects
would stay forever."""

from __future__ import annotations

from nslab.running.marks import Debris, find, remove

__all__ = ["Debris", "find", "remove"]
