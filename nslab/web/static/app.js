// nslab web: the page. Everything it shows comes from the CLI's JSON (docs/json.md)
// and the event stream (/api/events). No build step, no CDN: cytoscape.js is vendored.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { lab: null, data: null, ends: {}, endEdge: {}, rates: {}, stopped: new Set() };
const cy = cytoscape({
  container: $("cy"),
  wheelSensitivity: 0.3,
  style: [
    { selector: "node", style: {
        "label": "data(id)", "font-size": 11, "text-valign": "center", "text-halign": "center",
        "width": 46, "height": 30, "background-color": "#dbeafe", "border-width": 1.5,
        "border-color": "#1d4ed8", "shape": "round-rectangle", "color": "#111827" } },
    { selector: "node[kind = 'router']", style: { "shape": "ellipse", "background-color": "#dcfce7",
        "border-color": "#15803d", "width": 50, "height": 34 } },
    { selector: "node[kind = 'switch'], node[kind = 'bridge']", style: { "shape": "rectangle",
        "background-color": "#e5e7eb", "border-color": "#4b5563", "width": 60, "height": 20 } },
    { selector: "node[kind = 'machine']", style: { "shape": "star", "background-color": "#fef3c7",
        "border-color": "#b45309", "width": 44, "height": 44 } },
    { selector: "node.stopped", style: { "background-color": "#f3f4f6", "border-style": "dashed",
        "border-color": "#9ca3af", "color": "#6b7280" } },
    { selector: "node.missing", style: { "background-color": "#fee2e2", "border-style": "dotted",
        "border-color": "#dc2626" } },
    { selector: "node.stop", style: { "border-color": "#dc2626", "border-width": 5 } },
    { selector: "node:selected", style: { "border-width": 4 } },
    { selector: "edge", style: { "width": 2, "line-color": "#9ca3af", "curve-style": "bezier",
        "label": "data(label)", "font-size": 9, "color": "#374151",
        "text-background-color": "#ffffff", "text-background-opacity": 0.8 } },
    { selector: "edge.up", style: { "line-color": "#16a34a" } },
    { selector: "edge.down", style: { "line-color": "#dc2626", "line-style": "dashed" } },
    { selector: "edge.fwd", style: { "line-color": "#2563eb", "width": 6, "target-arrow-shape":
        "triangle", "target-arrow-color": "#2563eb", "z-index": 9 } },
    { selector: "edge.fwd-rev", style: { "target-arrow-shape": "none", "source-arrow-shape": "triangle",
        "source-arrow-color": "#2563eb" } },
    { selector: "edge.back", style: { "line-color": "#9333ea", "width": 4, "line-style": "dotted",
        "z-index": 8 } },
  ],
  layout: { name: "preset" },
});
window.nslab = { cy, state };  // for the tests and for the curious

function token() {  // sent as a header too: the cookie is what the page relies on
  return new URLSearchParams(location.search).get("token");
}
let csrf = null;  // the server's CSRF token: only a page of this origin can read it
async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (opts.method === "POST") {  // every POST: JSON, with the token read from /api/labs
    if (csrf === null) csrf = (await api("/api/labs")).csrf;
    headers["Content-Type"] = "application/json";
    headers["X-Nslab-Csrf"] = csrf;
    if (opts.body === undefined) opts = Object.assign({}, opts, { body: "{}" });
  }
  const r = await fetch(path, Object.assign({}, opts, { headers }));
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e[k] = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function panel(...kids) { const p = $("panel"); p.replaceChildren(...kids); p.scrollTop = 0; }
function table(rows, head) {
  const t = el("table");
  if (head) t.append(el("tr", {}, ...head.map((h) => el("th", {}, h))));
  for (const r of rows) t.append(el("tr", {}, ...r.map((c) => c instanceof Node ? el("td", {}, c) : el("td", {}, c ?? "-"))));
  return t;
}
function bits(bps) {
  if (!bps) return "";
  const u = [["Gb/s", 1e9], ["Mb/s", 1e6], ["kb/s", 1e3]];
  for (const [n, v] of u) if (bps >= v) return (bps / v).toFixed(bps >= 10 * v ? 0 : 1) + " " + n;
  return Math.round(bps) + " b/s";
}

// ------------------------------------------------------------------ the lab
async function labs() {
  const d = await api("/api/labs");
  csrf = d.csrf;
  const sel = $("lab");
  const names = d.labs.map((l) => l.name);
  sel.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  if (!names.length) { panel(el("p", { class: "hint" }, "No lab is up. nslab up FILE, and it appears here.")); cy.elements().remove(); state.lab = null; return; }
  const want = new URLSearchParams(location.search).get("lab");
  const pick = names.includes(state.lab) ? state.lab : names.includes(want) ? want : names[0];
  sel.value = pick;
  if (pick !== state.lab || !state.data) await load(pick);
}

function edgeClass(e) {
  const a = state.ends[e.data("a")], b = state.ends[e.data("b")];
  return a === "up" && b === "up" ? "up" : "down";
}
function relabel(e) {
  const ra = state.rates[e.data("a")] || [0, 0], rb = state.rates[e.data("b")] || [0, 0];
  const top = Math.max(ra[0], rb[0]);
  e.data("bps", top); e.data("label", bits(top));
  e.style("width", top ? Math.min(12, 2 + Math.log10(top)) : 2);
}

async function load(name) {
  // the drawing first (ready in a moment), the state of every link end after
  // (a thousand namespaces read take the server a second)
  const d = await api("/api/labs/" + encodeURIComponent(name) + "?status=later");
  state.lab = name; state.data = d; state.ends = {}; state.endEdge = {}; state.rates = {};
  state.stopped = new Set();
  const els = d.graph.nodes.map((n) => ({ group: "nodes", data: { id: n.name, kind: n.kind },
    position: d.positions[n.name] ? { x: d.positions[n.name][0], y: d.positions[n.name][1] } : undefined }));
  d.graph.edges.forEach((e, k) => {
    const a = e.a.node + ":" + e.a.iface, b = e.b.node + ":" + e.b.iface;
    const id = "e" + k;
    state.endEdge[a] = id; state.endEdge[b] = id;
    els.push({ group: "edges", data: { id, source: e.a.node, target: e.b.node, a, b, label: "",
      subnets: e.subnets.join(" "), aaddr: e.a.addresses.join(" "), baddr: e.b.addresses.join(" ") } });
  });
  cy.elements().remove();
  cy.add(els);
  const placed = Object.keys(d.positions).length;
  cy.layout(placed ? { name: "preset", fit: true, padding: 30 } : { name: "cose", animate: false, randomize: false }).run();
  const names = d.graph.nodes.filter((n) => !["switch", "bridge", "machine"].includes(n.kind)).map((n) => n.name);
  for (const id of ["src", "dst"]) $(id).replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  if (names.length > 1) $("dst").value = names[names.length - 1];
  document.title = "nslab: " + name;
  const s = await api("/api/labs/" + encodeURIComponent(name) + "/status");
  if (state.lab === name) showStatus(s.status);
}

function showStatus(st) {
  state.data.status = st;
  for (const n of st.nodes) for (const i of n.interfaces) state.ends[n.name + ":" + i.name] = i.state;
  if (st.machine) {
    for (const e of st.machine.links) state.ends["machine:" + e.host_iface] = e.state;
    const b = st.machine.bridge;
    if (b) {
      const id = "machine:" + b.name;
      state.ends[id + ":"] = state.ends["machine:" + b.name] = b.state;
      for (const p of b.ports) state.ends[id + ":" + p.host_iface] = p.state;
    }
  }
  state.stopped = new Set(st.stopped || []);
  const missing = new Set(st.nodes.filter((n) => !n.present).map((n) => n.name));
  cy.batch(() => {
    cy.nodes().forEach((n) => { n.classes(state.stopped.has(n.id()) ? "stopped" : missing.has(n.id()) ? "missing" : ""); });
    cy.edges().forEach((e) => { e.classes(edgeClass(e)); relabel(e); });
  });
}

// ------------------------------------------------------------------ live
function listen() {
  const es = new EventSource("/api/events" + (token() ? "?token=" + encodeURIComponent(token()) : ""));
  es.onopen = () => { $("live").className = "on"; };
  es.onerror = () => { $("live").className = "off"; };
  es.addEventListener("labs", (m) => {
    const d = JSON.parse(m.data);
    const have = [...$("lab").options].map((o) => o.value);
    if (JSON.stringify(have) !== JSON.stringify(d.labs) || (state.lab && !d.labs.includes(state.lab))) labs();
  });
  es.addEventListener("link", (m) => {
    const d = JSON.parse(m.data);
    if (d.lab !== state.lab) return;
    const end = d.node + ":" + d.iface;
    state.ends[end] = d.state;
    const id = state.endEdge[end];
    if (id) { const e = cy.getElementById(id); e.classes(edgeClass(e)); }
  });
  es.addEventListener("rates", (m) => {
    const d = JSON.parse(m.data);
    if (d.lab !== state.lab) return;
    Object.assign(state.rates, d.ends);
    cy.edges().forEach(relabel);
  });
  es.addEventListener("nodes", (m) => {
    const d = JSON.parse(m.data);
    if (d.lab !== state.lab) return;
    state.stopped = new Set(d.stopped);
    cy.nodes().forEach((n) => n.toggleClass("stopped", state.stopped.has(n.id())));
  });
}

// ------------------------------------------------------------------ inspect
const SECTIONS = {
  interfaces: (v) => table(v.map((i) => [i.name, i.kind, i.state, i.mtu, i.master, i.peer ? (i.peer.namespace || "") + " " + (i.peer.name || "") : null]),
    ["iface", "kind", "state", "mtu", "master", "peer"]),
  addresses: (v) => table(v.map((a) => [a.interface, a.address + "/" + a.prefixlen, a.scope]), ["iface", "address", "scope"]),
  routes: (v) => table(v.filter((r) => r.table === "main").map((r) => [r.dst,
    r.nexthops.map((h) => [h.gateway ? "via " + h.gateway : "", h.dev ? "dev " + h.dev : ""].join(" ").trim()).join(", "), r.protocol]),
    ["destination", "next hop", "proto"]),
  neighbours: (v) => table(v.map((n) => [n.interface, n.address, n.mac, n.state.join(" ")]), ["iface", "address", "mac", "state"]),
  sockets: (v) => table(v.map((s) => [s.protocol, s.state, s.local + ":" + s.local_port, s.remote + ":" + s.remote_port,
    s.owners.map((o) => o.command + "/" + o.pid).join(" ")]), ["proto", "state", "local", "remote", "process"]),
  firewall: (v) => v.tables && v.tables.length ? table(v.tables.map((t) => [t.family, t.name, t.comment])) : el("p", { class: "hint" }, "no nftables tables"),
  processes: (v) => table(v.map((p) => [p.pid, p.command]), ["pid", "command"]),
};
async function inspectNode(name) {
  panel(el("h2", {}, name), el("p", { class: "hint" }, "reading the namespace..."));
  const kids = [el("h2", {}, name + (state.stopped.has(name) ? " (stopped)" : ""))];
  if (state.data.allow_changes && !["machine", "bridge"].includes(cy.getElementById(name).data("kind"))) {
    const stopped = state.stopped.has(name);
    kids.push(el("button", { class: "act", onclick: () => change({ node: name, action: stopped ? "start" : "stop" }) }, stopped ? "Start" : "Stop"));
  }
  if (["machine", "bridge"].includes(cy.getElementById(name).data("kind"))) {
    panel(...kids, el("p", { class: "hint" }, "the machine nslab runs on (nslab inspect host)")); return;
  }
  try {
    const d = await api("/api/labs/" + encodeURIComponent(state.lab) + "/nodes/" + encodeURIComponent(name));
    kids.push(el("p", { class: "hint" }, "namespace " + d.where.namespace));
    for (const [k, f] of Object.entries(SECTIONS)) {
      if (d[k] == null) continue;
      kids.push(el("h3", {}, k), f(d[k]));
    }
    if (d.routing) kids.push(el("h3", {}, "routing"), el("pre", {}, JSON.stringify(d.routing, null, 1)));
    panel(...kids);
  } catch (err) { panel(...kids, el("p", { class: "bad" }, err.message)); }
}
function showEdge(e) {
  const kids = [el("h2", {}, e.data("a") + " — " + e.data("b")),
    table([[e.data("a"), state.ends[e.data("a")], e.data("aaddr"), bits((state.rates[e.data("a")] || [0])[0]) || "0"],
           [e.data("b"), state.ends[e.data("b")], e.data("baddr"), bits((state.rates[e.data("b")] || [0])[0]) || "0"]],
      ["end", "state", "addresses", "sends"]),
    el("p", { class: "hint" }, "subnet " + (e.data("subnets") || "-"))];
  if (state.data.allow_changes) {
    const ends = [e.data("a"), e.data("b")].filter((x) => !x.startsWith("machine"));
    for (const action of ["down", "up", "clear"]) kids.push(el("button", { class: "act", onclick: () => change({ ends, action }) }, "link " + action));
  }
  panel(...kids);
}
async function change(body) {
  try {
    await api("/api/labs/" + encodeURIComponent(state.lab) + "/change", { method: "POST",
      body: JSON.stringify(body) });
  } catch (err) { panel(el("p", { class: "bad" }, err.message)); }
}

// ------------------------------------------------------------------ why and test
function clearPath() { cy.elements().removeClass("fwd fwd-rev back stop"); }
function markPath(hops, cls) {  // the edges between consecutive hops; arrows the way it goes
  const nodes = hops.map((h) => h.node).filter((n) => n);
  for (let k = 0; k + 1 < nodes.length; k++) {
    cy.edges().forEach((x) => {
      if (x.data("source") === nodes[k] && x.data("target") === nodes[k + 1]) x.addClass(cls);
      else if (x.data("source") === nodes[k + 1] && x.data("target") === nodes[k]) x.addClass(cls === "fwd" ? "fwd fwd-rev" : cls);
    });
  }
}
async function why() {
  clearPath();
  const q = new URLSearchParams({ src: $("src").value, dst: $("dst").value, proto: $("proto").value });
  if ($("port").value) q.set("port", $("port").value);
  panel(el("p", { class: "hint" }, "probing and walking the path..."));
  try {
    const d = await api("/api/labs/" + encodeURIComponent(state.lab) + "/why?" + q);
    markPath(d.forward.hops, "fwd");
    if (d.back) markPath(d.back.hops, "back");
    if (d.at) cy.getElementById(d.at).addClass("stop");
    const hops = (p) => table(p.hops.map((h) => [h.node || h.namespace, h.iif, h.oif, h.route]), ["node", "in", "out", "route"]);
    const kids = [el("h2", {}, `why ${d.src} → ${d.dst} (${d.address}, ${d.proto}${d.port ? "/" + d.port : ""})`),
      el("div", { class: d.reached ? "reached" : "reason", id: "why-verdict" },
        d.reached ? "reached: " + d.probe : (d.at ? "stops at " + d.at + ": " : "") + (d.reason || d.probe)),
      el("h3", {}, "the way there"), hops(d.forward)];
    if (d.back) kids.push(el("h3", {}, "the way back"), hops(d.back));
    for (const n of d.notes) kids.push(el("p", { class: "hint" }, n));
    panel(...kids);
  } catch (err) { panel(el("p", { class: "bad" }, err.message)); }
}
async function test() {
  clearPath();
  panel(el("p", { class: "hint" }, "testing " + state.lab + "..."));
  try {
    const r = await api("/api/labs/" + encodeURIComponent(state.lab) + "/test", { method: "POST" });
    const kids = [el("h2", { id: "test-verdict", class: r.ok ? "ok" : "bad" }, (r.ok ? "PASS" : "FAIL") + ": " + state.lab)];
    const badge = $("last-test");  // the result stays, a click away, until the next run
    badge.textContent = "last test: " + (r.ok ? "PASS" : "FAIL");
    badge.className = r.ok ? "ok" : "bad";
    for (const m of r.matrices) {
      const names = [...new Set(m.cells.flatMap((c) => [c.src, c.dst]))];
      const cell = {}; for (const c of m.cells) cell[c.src + ">" + c.dst] = c;
      kids.push(el("h3", {}, `${m.proto} over IPv${m.family}`),
        table(names.map((s) => [s, ...names.map((d) => {
          const c = cell[s + ">" + d];
          const td = el("span", { title: c ? c.outcome + ": " + c.detail : "" }, s === d ? "-" : c ? (c.reached ? "ok" : "x") : "");
          return td;
        })]), ["from \\ to", ...names]));
    }
    if (r.expectations.length) kids.push(el("h3", {}, "expectations"),
      table(r.expectations.map((e) => [el("span", { class: e.status === "pass" ? "ok" : "bad" }, e.status.toUpperCase()), e.text, e.detail])));
    panel(...kids);
    state.lastTest = [...$("panel").childNodes];
    for (const td of $("panel").querySelectorAll("td span")) {
      if (td.textContent === "ok") td.parentElement.className = "cell-ok";
      if (td.textContent === "x") td.parentElement.className = "cell-bad";
    }
  } catch (err) { panel(el("p", { class: "bad" }, err.message)); }
}

cy.on("tap", "node", (ev) => { clearPath(); inspectNode(ev.target.id()); });
cy.on("tap", "edge", (ev) => showEdge(ev.target));
$("lab").onchange = () => load($("lab").value);
$("go").onclick = why;
$("test").onclick = test;
$("fit").onclick = () => cy.fit(undefined, 30);
$("last-test").onclick = () => { if (state.lastTest) panel(...state.lastTest); };
labs().then(listen, (err) => panel(el("p", { class: "bad" }, err.message)));
