"""netlab topologies (ipspace/netlab, the `networklab` package) as nslab labs.

netlab resolves its own file (defaults, groups, modules, addressing) into a
model where every decision is made: each node's interfaces (eth1, eth2, ...)
with addresses, neighbours and per-interface OSPF; its loopback, router id,
BGP AS and sessions. `to_spec` maps that resolved model onto nslab's file
format, exactly as netlab decided it; what nslab cannot run is refused by
name (`NetlabRefusal`), never dropped. `nslab.netlab.resolve` runs netlab.
Pure: no kernel, no state.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from nslab.names import LAB_NAME, NODE_NAME

# top-level keys only netlab's format has (nslab's own: version, name, nodes,
# links, addressing, routing, igp, defaults, dns, host, test, timeline)
NETLAB_KEYS = frozenset({
    "module", "provider", "groups", "validate", "plugin", "vlans", "vrfs", "tools",
    "message", "bgp", "ospf", "isis", "gateway", "lag", "vxlan", "evpn", "mpls", "stp",
    "prefix", "components", "includes", "eigrp", "rip", "ripv2", "routing_policy"})
MODULES = frozenset({"ospf", "bgp", "routing", "bfd"})  # what nslab runs of netlab's modules
DEVICES = {"frr": "router", "linux": "host"}  # netlab device -> nslab node kind
WHY_NOT = {
    "vrf": "VRFs need the kernel's VRF devices, which this kernel lacks",
    "vlan": "VLANs need 802.1Q devices, which this kernel lacks",
    "mpls": "MPLS forwarding is not in nslab",
    "evpn": "EVPN is not in nslab",
    "lag": "link aggregation (bonds) is not in nslab",
    "stp": "spanning tree is not in nslab",
    "isis": "netlab's IS-IS mapping is not written yet (nslab runs IS-IS itself)",
    "vxlan": "netlab's VXLAN module is not mapped yet",
    "gateway": "first-hop gateways (anycast, VRRP) are not in nslab",
}


class NetlabRefusal(Exception):
    """Something of the netlab topology that nslab cannot run, said by name."""


def is_netlab(data: object) -> bool:
    """Whether a parsed topology is netlab's: a key only netlab has, a dotted
    key (`defaults.device`, `bgp.as`), nodes as a list, or links as `a-b`."""
    if not isinstance(data, dict):
        return False
    if NETLAB_KEYS & set(data) or any("." in str(k) for k in data):
        return True
    nodes, links = data.get("nodes"), data.get("links")
    if isinstance(nodes, list):
        return True
    return isinstance(links, list) and any(isinstance(x, str) and "-" in x and ":" not in x
                                           for x in links)


def _name(raw: str, what: str, pattern: str) -> str:
    name = raw.lower().replace("_", "-")
    if re.fullmatch(pattern, name) is None:
        raise NetlabRefusal(f"{what} '{raw}' cannot be an nslab name ({pattern})")
    return name


def lab_name(model: dict[str, Any]) -> str:
    raw = str(model.get("name") or "netlab")
    name = re.sub(r"[^a-z0-9-]", "-", raw.lower()).strip("-")[:20].rstrip("-")
    if not name or not name[0].isalpha():
        name = ("nl-" + name)[:20]
    return _name(name, "the lab's name", LAB_NAME)


RA_DEFAULTS = {"slaac": True, "onlink": True, "disable": False}  # FRR's, and nslab's


def _known_modules(where: str, modules: list[str] | None) -> None:
    for module in modules or []:
        if module not in MODULES:
            raise NetlabRefusal(f"{where}module {module}: "
                                + WHY_NOT.get(module, "nslab does not run it"))


def _refuse_modules(model: dict[str, Any]) -> None:
    deployed = (model.get("_nslab_rendered") or {}).get("_validate") or {}
    for test in model.get("validate") or []:
        if isinstance(test, dict) and test.get("config"):
            missing = [n for n in test.get("nodes") or []
                       if n not in (deployed.get(test.get("name")) or {})]
            if missing or not test.get("nodes"):
                raise NetlabRefusal(f"validate test {test.get('name')} deploys a configuration "
                                    "template (config:) netlab renders no FRR configuration "
                                    f"of for {', '.join(missing) or 'its nodes'}")
    _known_modules("", model.get("module"))
    plugins = set(model.get("plugin") or []) - {"files"}  # files: the user's own
    for name, node in (model.get("nodes") or {}).items():
        device = node.get("device")
        if device not in DEVICES:
            raise NetlabRefusal(f"node {name}: device {device} (nslab runs frr and linux "
                                "nodes; a node that names no device is FRR)")
        # a plugin's own template (bgp.session, ...) configures what its keys say,
        # which are mapped or refused one by one; any other is the user's text
        rendered = _rendered(model, name)
        own = [str(c) for c in node.get("config") or []
               if c not in plugins and c not in rendered]
        if own:
            raise NetlabRefusal(f"node {name}: configuration templates (config: "
                                f"{', '.join(own)}) netlab renders no FRR configuration of")
        policies = sorted(k for k in node.get("routing") or {}
                          if not k.startswith("_") and k != "static")
        if policies and "routing" not in rendered:
            raise NetlabRefusal(f"node {name}: routing {', '.join(policies)} (netlab's routing "
                                "policies and filters, on a node netlab's FRR templates do "
                                "not configure)")
        for n in (node.get("bgp") or {}).get("neighbors") or []:
            if n.get("policy") and "bgp.policy" not in rendered:
                raise NetlabRefusal(f"node {name}: the BGP session with {n.get('name')} goes "
                                    "through a routing policy netlab's bgp.policy template "
                                    "does not configure here")
        _known_modules(f"node {name}: ", node.get("module"))
        for intf in node.get("interfaces") or []:
            if intf.get("ipv6") is True and not unnumbered(model, name, intf):
                raise NetlabRefusal(f"node {name} {intf.get('ifname')}: IPv6 link-local "
                                    "only (ipv6: true) other than between two FRR routers' "
                                    "eBGP sessions (an unnumbered link) is not mapped")
            ra = intf.get("ra") or {}
            if {k: v for k, v in ra.items() if RA_DEFAULTS.get(k) != v}:
                raise NetlabRefusal(f"node {name} {intf.get('ifname')}: router "
                                    f"advertisement settings (ra: {ra}) are not mapped")
            if intf.get("vlan") or intf.get("vrf"):
                raise NetlabRefusal(f"node {name} {intf.get('ifname')}: "
                                    + WHY_NOT["vlan" if intf.get("vlan") else "vrf"])


def unnumbered(model: dict[str, Any], name: str, intf: dict[str, Any]) -> bool:
    """Whether a node's interface is one end of a link nslab makes unnumbered:
    a p2p link between two FRR routers, each end without addresses (netlab's
    ipv4: true and ipv6: true: IPv6 link-local only, IPv4 unnumbered), carrying
    no OSPF or IS-IS (only eBGP over the link-local addresses: RFC 8950)."""
    return _bgp_link(model, name, intf, lambda i: i.get("ipv6") is True and
                     not isinstance(i.get("ipv4"), str))


def ipv6_only(model: dict[str, Any], name: str, intf: dict[str, Any]) -> bool:
    """Whether a node's interface is one end of a link nslab makes IPv6-only
    (ipv4: false): a p2p link between two FRR routers that run BGP, each end
    with an IPv6 address and IPv4 unnumbered (netlab's ipv4: true), carrying
    no OSPF or IS-IS (IPv4 crosses it in BGP: RFC 8950)."""
    nodes = model.get("nodes") or {}
    return _bgp_link(model, name, intf, lambda i: i.get("ipv4") is True and
                     isinstance(i.get("ipv6"), str)) and all(
        "bgp" in ((nodes.get(n) or {}).get("module") or [])
        for n in (name, *(p.get("node") for p in intf.get("neighbors") or [])))


def ospf_unnumbered(model: dict[str, Any], name: str, intf: dict[str, Any]) -> bool:
    """Whether a node's interface is one end of an IPv4-unnumbered p2p link
    (netlab's ipv4: true, no IPv6) between two FRR routers that run OSPF over
    it: nslab's unnumbered link, each end on its router's loopback."""
    return _p2p_frr(model, name, intf, lambda i: i.get("ipv4") is True and not i.get("ipv6")
                    and bool(i.get("ospf")))


def _bgp_link(model: dict[str, Any], name: str, intf: dict[str, Any],
              end: Callable[[dict[str, Any]], bool]) -> bool:
    """Whether `intf` of node `name` is one end of a p2p link between two FRR
    routers whose ends both are as `end` says and run no OSPF or IS-IS."""
    return _p2p_frr(model, name, intf, lambda i: end(i) and not i.get("ospf") and
                    not i.get("isis"))


def _p2p_frr(model: dict[str, Any], name: str, intf: dict[str, Any],
             end: Callable[[dict[str, Any]], bool]) -> bool:
    """Whether `intf` of node `name` is one end of a p2p link between two FRR
    routers whose ends both are as `end` says."""
    def bare(n: str, i: dict[str, Any]) -> bool:
        node = (model.get("nodes") or {}).get(n) or {}
        return node.get("device") == "frr" and end(i)

    others = intf.get("neighbors") or []
    if intf.get("type") not in (None, "p2p") or len(others) != 1 or not bare(name, intf):
        return False
    peer = others[0]
    theirs = next((i for i in ((model.get("nodes") or {}).get(peer.get("node")) or {}).get(
        "interfaces") or [] if i.get("ifname") == peer.get("ifname")), None)
    return theirs is not None and bare(str(peer.get("node")), theirs)


def _rendered(model: dict[str, Any], node: str) -> dict[str, str]:
    """netlab's own FRR configuration of `node` for the modules and plugins
    nslab does not write itself (routing policies and filters, bgp.policy,
    bgp.session: nslab.netlab.resolve.RENDERED), rendered by netlab: module ->
    the vtysh configuration it holds."""
    said: dict[str, str] = (model.get("_nslab_rendered") or {}).get(node) or {}
    return {module: vtysh_config(node, module, text) for module, text in said.items()}


def vtysh_config(node: str, module: str, text: str) -> str:
    """The configuration a rendered template gives FRR: the text itself, or,
    for a template that is a shell script (bgp.session's), what it hands
    `vtysh -f` through a here-document (its `vtysh -c 'clear bgp *'` is for
    a router already running: nslab's starts with its configuration)."""
    if not text.startswith("#!"):
        return text
    lines = text.splitlines()
    start = next((k for k, line in enumerate(lines) if "<<" in line), None)
    if start is None:
        raise NetlabRefusal(f"node {node}: netlab's {module} template is a script nslab "
                            "cannot read a configuration from")
    mark = lines[start].split("<<", 1)[1].strip().strip("'\"-")
    body = []
    for line in lines[start + 1:]:
        if line == mark:
            break
        body.append(line)
    return "".join(f"{line}\n" for line in body)


# what a session may say when netlab's own template of a plugin configures it
PLUGIN_SESSION_KEYS = {
    "bgp.policy": {"weight", "bandwidth", "role", "locpref", "med", "prepend", "policy",
                   "prefix_filter", "as_filter"},
    "bgp.session": {"as_override", "remove_private_as", "gtsm", "tcp_ao", "rs", "rs_client",
                    "description", "gr"}}


def _ospf_link(intf: dict[str, Any]) -> dict[str, Any] | None:
    o = intf.get("ospf")
    if not isinstance(o, dict):
        return None
    out: dict[str, Any] = {}
    if "area" in o:
        out["area"] = str(o["area"])
    if "cost" in o:
        out["cost"] = int(o["cost"])
    if o.get("passive"):
        out["passive"] = True
    if o.get("network_type") in ("point-to-point", "broadcast"):
        out["network"] = o["network_type"]
    if o.get("bfd"):
        out["bfd"] = True  # the link's, in nslab (lifted out by _link)
    return out


def _bgp(name: str, bgp: dict[str, Any], rendered: dict[str, str],
         ipv6_only_ports: set[Any]) -> dict[str, Any]:
    """A router's BGP: its AS, what netlab advertises, netlab's sessions
    (`rendered`: netlab's own templates that configure what else they say)."""
    if bgp.get("rs") and "bgp.session" not in rendered:  # its template configures it
        raise NetlabRefusal(f"node {name}: a BGP route server (bgp.rs) without netlab's "
                            "bgp.session template")
    imports = bgp.get("import") or {}
    lines = []
    for af in ("ipv4", "ipv6"):  # as netlab's BGP template redistributes (OSPFv3: ospf6)
        said = []
        for proto, how in (imports.items() if bgp.get(af) and isinstance(imports, dict)
                           else ()):
            policy = (how or {}).get("policy") if isinstance(how, dict) else None
            if policy and "routing" not in rendered:
                raise NetlabRefusal(f"node {name}: bgp.import of {proto} through routing "
                                    f"policy {policy}, which netlab's routing template does "
                                    "not make here")
            said.append(f"  redistribute {'ospf6' if proto == 'ospf' and af == 'ipv6' else proto}"
                        + (f" route-map {policy}-{af}" if policy else ""))
        lines += [f" address-family {af} unicast", *said] if said else []
    if lines:
        rendered["bgp.import"] = "".join(f"{x}\n" for x in [f"router bgp {bgp['as']}", *lines])
    # netlab's routers originate what bgp.advertise lists (their loopback, stub
    # and advertised links, bgp.originate), by network statements
    spec: dict[str, Any] = {"asn": int(bgp["as"]), "originate": "announce"}
    announce = [a[af] for a in bgp.get("advertise") or [] for af in ("ipv4", "ipv6")
                if isinstance(a.get(af), str)]
    if announce:
        spec["announce"] = sorted({str(ipaddress.ip_network(a, strict=False))
                                   for a in announce})
    neighbors = []
    for n in bgp.get("neighbors") or []:
        active = n.get("activate") or {}
        if n.get("local_if") and not any(isinstance(n.get(af), str) for af in ("ipv4", "ipv6")):
            # over an unnumbered link: one session, IPv6 link-local (RFC 8950 for IPv4),
            # to the router at its other end
            neighbors.append(_session(name, bgp, {k: v for k, v in n.items()
                                                  if k != "ipv4_rfc8950"},
                                      {"peer": _name(str(n["name"]), "node", NODE_NAME)},
                                      rendered))
            continue
        if n.get("ipv4_rfc8950"):
            # IPv4 over the IPv6 session: nslab's own over an IPv6-only link
            if n.get("ifindex") not in ipv6_only_ports:
                raise NetlabRefusal(f"node {name}: the BGP session with {n.get('name')} "
                                    "carries IPv4 through IPv6 next hops (ipv4_rfc8950) over "
                                    "a link nslab does not make IPv6-only")
            n = {k: v for k, v in n.items() if k != "ipv4_rfc8950"}
        for af in ("ipv4", "ipv6"):  # a session per family (netlab's dual stack: two)
            if isinstance(n.get(af), str) and active.get(af, True) is not False:
                neighbors.append(_session(name, bgp, n, {"address": n[af]}, rendered))
    spec["neighbors"] = neighbors
    if bgp.get("rr"):
        spec["rr"] = True
        if bgp.get("rr_cluster_id"):
            spec["cluster_id"] = str(bgp["rr_cluster_id"])
    return spec


def _session(name: str, bgp: dict[str, Any], n: dict[str, Any], to: dict[str, str],
             rendered: dict[str, str]) -> dict[str, Any]:
    """One of netlab's BGP sessions, `to` its address, or to a peer (over an
    unnumbered link)."""
    entry: dict[str, Any] = {**to, "asn": int(n["as"])}
    if n.get("type") == "ibgp" and bgp.get("next_hop_self"):
        entry["next_hop_self"] = True
    if n.get("local_as"):
        if int(n["local_as"]) == int(n["as"]):
            raise NetlabRefusal(f"node {name}: iBGP with {n.get('name')} through local-as "
                                "(the neighbour's own AS) is not mapped")
        entry["local_as"] = int(n["local_as"])
    for key in ("bfd", "passive", "default_originate"):
        if n.get(key):
            entry[key] = True
    if n.get("password"):
        entry["password"] = str(n["password"])
    if n.get("allowas_in"):
        entry["allowas_in"] = n["allowas_in"]
    timers = n.get("timers") or {}
    if int(timers.get("min_hold", 3)) > 3:  # 3 s is BGP's least hold time: no limit
        raise NetlabRefusal(f"node {name}: the BGP session with {n.get('name')} has a "
                            "minimum hold time (bgp.timers.min_hold), which is not mapped")
    if "keepalive" in timers and "hold" in timers:
        entry["timers"] = {"keepalive": int(timers["keepalive"]), "hold": int(timers["hold"])}
    unknown = sorted(set(n) - SESSION_KEYS - {k for plugin in rendered
                                              for k in PLUGIN_SESSION_KEYS.get(plugin, ())})
    if unknown:
        raise NetlabRefusal(f"node {name}: the BGP session with {n.get('name')} has "
                            f"{', '.join(unknown)} (not mapped)")
    return entry


# what a netlab BGP neighbour may say that nslab maps (or that needs no mapping:
# route reflection is the reflector's rr, the interface names the addresses, the
# link's prefix a link's bgp.advertise puts there is in the node's bgp.advertise)
SESSION_KEYS = {"_source_intf", "activate", "advertise", "as", "ifindex", "ipv4", "ipv6",
                "name", "type", "local_if",
                "next_hop_self", "rr", "rr_client", "local_as", "bfd", "passive",
                "default_originate", "password", "allowas_in", "timers", "policy"}


def _ospf_node(name: str, ospf: dict[str, Any], rendered: dict[str, str]) -> dict[str, Any]:
    """A router's OSPF (area, router id, what it redistributes; through a
    routing policy: added to `rendered` as netlab's OSPF template says it)."""
    out: dict[str, Any] = {k: v for k, v in (("area", str(ospf.get("area", "0.0.0.0"))),
                                             ("router_id", ospf.get("router_id"))) if v}
    imports = ospf.get("import") or {}
    through = []
    for proto, how in (imports.items() if isinstance(imports, dict) else ()):
        if isinstance(how, dict) and how.get("policy"):
            if "routing" not in rendered:  # netlab's routing template makes the map
                raise NetlabRefusal(f"node {name}: ospf.import of {proto} through routing "
                                    f"policy {how['policy']}, which netlab's routing "
                                    "template does not make here")
            # nslab's redistribute, with the map, as netlab's OSPF template says it
            through += [f"router {daemon}\n redistribute {proto} route-map "
                        f"{how['policy']}-{af}\n" for af, daemon in
                        (("ipv4", "ospf"), ("ipv6", "ospf6"))
                        if af == "ipv4" or (ospf.get("af") or {}).get("ipv6")]
    if through:
        rendered["ospf.import"] = "".join(through)
    imported = sorted(set(imports) & {"connected", "static", "bgp"})
    if imported:  # netlab's ospf.import: what the router redistributes into OSPF
        out["redistribute"] = imported
    if ospf.get("default"):
        out["default_originate"] = True
    return out


# lines nslab writes as netlab's templates say them (not a template netlab rendered)
SAID = ("ospf.import", "bgp.community", "bgp.import", "routing.static")


def _communities(bgp: dict[str, Any]) -> str:
    """The communities each session sends, as netlab's BGP template configures
    them (bgp.community: per session type, e.g. eBGP standard and large only)."""
    kinds = bgp.get("community")
    if not isinstance(kinds, dict):
        return ""
    lines = []
    for af in ("ipv4", "ipv6"):
        # a session over an unnumbered link is named by its interface (local_if)
        body = [line for n in bgp.get("neighbors") or []
                for who in [n[af] if isinstance(n.get(af), str) else n.get("local_if")
                            if n.get(af) is True else None]
                if who and (n.get("activate") or {}).get(af, True)
                and n.get("type") in kinds
                for line in (f"  no neighbor {who} send-community all",
                             *(f"  neighbor {who} send-community {c}"
                               for c in kinds[n["type"]]))]
        if body:
            lines += [f" address-family {af} unicast", *body]
    return "".join(f"{line}\n" for line in [f"router bgp {bgp['as']}", *lines]) if lines else ""


def _node(model: dict[str, Any], name: str, node: dict[str, Any]) -> dict[str, Any]:
    # netlab's role: host is a device that does not forward (its routes netlab's)
    out: dict[str, Any] = {"kind": "host" if node.get("role") == "host" and
                           not node.get("bgp") and not node.get("ospf")
                           else DEVICES[node["device"]]}
    lo = _addresses(node.get("loopback") or {})
    if out["kind"] == "router" and lo:
        out["loopback"] = lo
    if out["kind"] == "router" and any(isinstance(i.get("ipv6"), str) and i.get("type") !=
                                       "loopback" for i in node.get("interfaces") or []):
        out["ra"] = True  # netlab's routers advertise on every interface with IPv6
    ospf = node.get("ospf")
    rendered = {m: t for m, t in _rendered(model, name).items()
                if t.replace("!", "").strip()}  # a template with nothing to say for it
    if isinstance(ospf, dict):
        out["ospf"] = _ospf_node(name, ospf, rendered)
    bgp = node.get("bgp")
    if isinstance(bgp, dict) and "as" in bgp:
        out["bgp"] = _bgp(name, bgp, rendered, {i.get("ifindex") for i in
                                                node.get("interfaces") or []
                                                if ipv6_only(model, name, i)})
        communities = _communities(bgp)
        if communities:
            rendered["bgp.community"] = communities
    # a router that redistributes static routes has them in FRR, as netlab does
    # (FRR's own static routes are what `redistribute static` takes)
    frr_static = out["kind"] == "router" and any(
        "static" in ((node.get(p) or {}).get("import") or {}) for p in ("bgp", "ospf"))
    routes = _statics(name, node, out["kind"] == "router", rendered, frr_static)
    if routes:
        out["routes"] = routes
    if rendered and out["kind"] == "router":  # netlab's own lines, after nslab's
        if "routing.static" in rendered:  # FRR's static routes: staticd, beside nslab's
            out["frr"] = {"daemons": ["staticd"]}
        out.setdefault("frr", {})["extra"] = "".join(
            f"! netlab's {module}{'' if module in SAID else ' template'}\n" + "".join(
                f"{line.rstrip()}\n" for line in text.splitlines() if line.strip())
            for module, text in rendered.items())
    return out


def _statics(name: str, node: dict[str, Any], router: bool, rendered: dict[str, str],
             all_frr: bool = False) -> list[dict[str, str]]:
    """netlab's static routes: nslab's own routes where each has one next hop
    on one of the node's subnets; on an FRR router, the others (several next
    hops: ECMP; a next hop reached through another route), or all of them
    (`all_frr`), as netlab's routing template configures them, FRR's static
    routes."""
    routes = [{"to": r[af], "via": r["nexthop"][af]}
              for r in (node.get("routing") or {}).get("static") or [] for af in ("ipv4", "ipv6")
              if isinstance(r.get(af), str) and isinstance((r.get("nexthop") or {}).get(af), str)]
    nets = [ipaddress.ip_interface(i[af]).network for i in node.get("interfaces") or []
            for af in ("ipv4", "ipv6") if isinstance(i.get(af), str)]
    mine, frr = [], []
    for r in routes:
        vias = sorted({x["via"] for x in routes if x["to"] == r["to"]})
        onlink = any(ipaddress.ip_address(r["via"]) in n for n in nets)
        if len(vias) == 1 and onlink and not all_frr:
            mine.append(r)
        elif router:
            frr.append(f"{'ipv6' if ':' in r['to'] else 'ip'} route {r['to']} {r['via']}")
        elif len(vias) > 1:
            raise NetlabRefusal(f"node {name}: the static route to {r['to']} has several next "
                                f"hops ({', '.join(vias)}: ECMP), which a host's routes do not "
                                "take here")
        else:
            raise NetlabRefusal(f"node {name}: the static route to {r['to']} goes through "
                                f"{r['via']}, on none of its subnets (a host's recursive next "
                                "hops are not mapped)")
    if frr:
        rendered["routing.static"] = "".join(f"{line}\n" for line in frr)
    return mine


def _links(model: dict[str, Any], nodes: dict[str, dict[str, Any]],
           names: dict[str, str]) -> list[dict[str, Any]]:
    """p2p links end to end; a LAN or a stub becomes a switch (a bridge) with
    each node's interface on it, as netlab's bridge is."""
    by_end = {(n, i["ifname"]): i for n, node in model["nodes"].items()
              for i in node.get("interfaces") or []}
    routers = {n: node.get("device") == "frr" for n, node in model["nodes"].items()}
    routed = "ospf" in (model.get("module") or [])
    out: list[dict[str, Any]] = []
    for k, link in enumerate(model.get("links") or []):
        ends = link.get("interfaces") or []
        full = [(e["node"], by_end.get((e["node"], e.get("ifname")), e)) for e in ends]
        if link.get("type") == "p2p" and len(full) == 2:
            made = _link([f"{names[n]}:{i['ifname']}" for n, i in full],
                         [_addresses(i) for _n, i in full], link, full, names, routers, routed)
            if all(unnumbered(model, n, i) or ospf_unnumbered(model, n, i) for n, i in full):
                made["unnumbered"] = True
            elif all(ipv6_only(model, n, i) for n, i in full):
                made["ipv4"] = False
            out.append(made)
            continue
        switch = _name(str(link.get("bridge") or f"lan{k + 1}"), "the bridge", NODE_NAME)
        if switch in nodes:
            switch = _name(f"{switch}-sw", "the bridge", NODE_NAME)
        nodes[switch] = {"kind": "switch"}
        for n, i in full:
            out.append(_link([f"{names[n]}:{i['ifname']}", switch], [_addresses(i), None],
                             link, [(n, i)], names, routers, routed))
    return out


def _addresses(intf: dict[str, Any]) -> str | list[str] | None:
    """An interface's (or loopback's) addresses as nslab's file gives an end's:
    its IPv4, or its IPv4 and IPv6, or none (unnumbered: nslab chooses)."""
    given = [intf[af] for af in ("ipv4", "ipv6") if isinstance(intf.get(af), str)]
    return None if not given else given[0] if len(given) == 1 else given


def _link(endpoints: list[str], addresses: list[Any], link: dict[str, Any],
          full: list[tuple[str, dict[str, Any]]], names: dict[str, str],
          routers: dict[str, bool], routed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"endpoints": endpoints}
    if addresses[0] is not None:  # a switch's end (the second) has none
        out["addresses"] = addresses
    mtu = link.get("mtu") or next((i.get("mtu") for _n, i in full if i.get("mtu")), None)
    if mtu and int(mtu) != 1500:
        out["mtu"] = int(mtu)
    per_end = [(n, _ospf_link(i)) for n, i in full]
    ospf = next((o for _n, o in per_end if o), None)
    if ospf is None or (len(per_end) == 2 and not all(o for _n, o in per_end)):
        # netlab runs no OSPF here (an eBGP link, a router without OSPF): no
        # adjacency in nslab either, where every router of the lab runs OSPF
        if routed and any(routers.get(n) for n, _i in full):
            out["ospf"] = {"passive": True}
        return out
    if [bool(o.pop("bfd", None)) for _n, o in per_end if o] == [True, True]:
        out["bfd"] = True  # BFD between the two routers at its ends (netlab's ospf.bfd)
    if ospf:
        costs = {n: o["cost"] for n, o in per_end if o and "cost" in o}
        ospf.pop("cost", None)
        if len(set(costs.values())) == 1 and len(costs) == len(per_end):
            ospf["cost"] = next(iter(costs.values()))
        elif costs:  # each end its own (netlab's per-interface cost)
            ospf["cost"] = {names[n]: c for n, c in costs.items()}
        out["ospf"] = ospf
    return out


def to_spec(model: dict[str, Any]) -> dict[str, Any]:
    """The nslab topology of netlab's resolved model (what `netlab create -o
    json` writes)."""
    _refuse_modules(model)
    raw_nodes: dict[str, Any] = model.get("nodes") or {}
    names = {n: _name(n, "node", NODE_NAME) for n in raw_nodes}
    if len(set(names.values())) != len(names):
        raise NetlabRefusal("two nodes' names differ only in case or _/-")
    nodes = {names[n]: _node(model, n, node) for n, node in raw_nodes.items()}
    links = _links(model, nodes, names)
    modules = set(model.get("module") or [])
    spec: dict[str, Any] = {"name": lab_name(model)}
    # OSPF wherever netlab runs it (links without it passive); BGP on the
    # routers that have an AS, with netlab's sessions (it runs whatever
    # `routing` says); without either, the addresses alone
    spec["routing"] = "ospf" if "ospf" in modules else "bgp" if "bgp" in modules else "static"
    spec["nodes"] = nodes
    spec["links"] = links
    # a name stands for a router's loopback, as in netlab's hosts files (its tests
    # ping routers by name: the loopback is what its routing carries)
    spec["dns"] = {"names": "loopback"}
    # nslab test waits for the routers' tables first, unless netlab's own templates
    # filter or change what they learn (policies): netlab's tests wait themselves
    # (or change the routers on the way: a validate test that deploys configuration)
    changes = any(isinstance(t, dict) and t.get("config") for t in model.get("validate") or [])
    if spec["routing"] != "static" and not changes and \
            not any(_rendered(model, n) for n in raw_nodes):
        spec["test"] = {"converge": "auto"}
    return spec
