"""Who may ask nslab web what: pure rules, one function per question, each
returning None (allowed) or the reason it is refused (a 403's JSON body).

- Every request: its `Host` is the address and port served (or, served on
  loopback, `localhost`, `127.0.0.1` or `[::1]` with that port; served on a
  wildcard address, any address literal with that port). A page on another
  name that resolves here (DNS rebinding) is refused.
- Every request that changes or runs something (POST): its `Origin` (or,
  without one, its `Referer`) is the page's own origin, its body is JSON
  (`Content-Type: application/json`: a plain form or a no-cors fetch cannot
  send that without a preflight, which is refused), and it carries the
  server's CSRF token (`X-Nslab-Csrf`), which only a page of this origin can
  read (`GET /api/labs`: no CORS header is ever sent).
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Protocol


class Headers(Protocol):
    def get(self, name: str, default: None = None, /) -> str | None: ...


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CSRF_HEADER = "X-Nslab-Csrf"


def same(given: str, want: str) -> bool:
    """A secret compared in constant time (any text: a non-ASCII one is just wrong)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                               want.encode("utf-8", "surrogateescape"))


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name:port`, `[v6]:port` or a bare name, as (name, port); None when malformed."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, _colon, port_text = value.partition(":")
        port_text = port_text if _colon else None
    if not name:
        return None
    if port_text is None:
        return name.lower(), None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return name.lower(), int(port_text)


def _literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _names_server(name: str, bind: str) -> bool:
    """Whether `name` (from a Host header) is an address this server is bound to."""
    served, given = _literal(bind), _literal(name)
    if served is not None and served.is_unspecified:  # every address of the machine
        return given is not None or name == "localhost"
    if name == bind.lower() or (given is not None and given == served):
        return True
    on_loopback = bind == "localhost" or (served is not None and served.is_loopback)
    return on_loopback and name in LOOPBACK_NAMES


def host_refused(host: str | None, bind: str, port: int) -> str | None:
    """Why a request with this `Host` header is refused by a server bound to
    `bind`:`port` (None: it is allowed)."""
    parsed = split_host(host or "")
    if parsed is None:
        return "a request must name this server in its Host header"
    name, given = parsed
    if (given or 80) != port:
        return f"Host {host!r} is not this server's port ({port})"
    if _names_server(name, bind):
        return None
    return (f"Host {host!r} is not the address served ({bind}:{port}); a page that reached "
            "this server through another name is refused (DNS rebinding)")


def change_refused(headers: Headers, host: str, csrf: str) -> str | None:
    """Why a POST is refused (None: it is allowed). `host`: its Host header,
    already accepted by host_refused."""
    own = f"http://{host}"
    origin = headers.get("Origin")
    if origin is not None:
        if origin != own:
            return f"a change must come from this page's own origin ({own}), not {origin}"
    else:
        referer = headers.get("Referer") or ""
        if referer != own and not referer.startswith(own + "/"):
            return f"a change must come from this page ({own}): no Origin or Referer says so"
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return "a change must be sent as application/json"
    given = headers.get(CSRF_HEADER)
    if given is None or not same(given, csrf):
        return f"a change must carry the page's {CSRF_HEADER} header (reload the page)"
    return None
