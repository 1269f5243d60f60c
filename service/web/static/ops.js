// The /ops page: reads /v1/monitoring/drift with the operator's key and draws each series.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const form = document.getElementById("auth");
  const status = document.getElementById("status");
  const main = document.getElementById("series");
  const fmt = (v, d) => (v === null || v === undefined ? "—" : Number(v).toFixed(d));
  const pct = (v) => (v === null || v === undefined ? "—" : (100 * v).toFixed(1) + " %");

  function el(name, attrs, parent, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function histogram(series) {
    const width = 420, height = 160, pad = 24;
    const cur = series.histogram, ref = series.reference_histogram;
    const w = cur.bin_width;
    const keys = Object.keys(cur.bins).concat(Object.keys(ref.bins)).map(Number);
    keys.push(Math.floor(series.threshold / w));
    const lo = Math.min(...keys) - 2, hi = Math.max(...keys) + 3;
    const share = (h, k) => (h.count ? (h.bins[String(k)] || 0) / h.count : 0);
    let top = 0;
    for (let k = lo; k < hi; k++) top = Math.max(top, share(cur, k), share(ref, k));
    top = top || 1;
    const x = (points) => pad + ((points / w - lo) / (hi - lo)) * (width - 2 * pad);
    const y = (s) => height - pad - (s / top) * (height - 2 * pad);
    const svg = el("svg", {viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Score distribution of ${series.city} ${series.policy_version}, ` +
                    `threshold ${series.threshold}`});
    const barW = (width - 2 * pad) / (hi - lo);
    for (let k = lo; k < hi; k++) {
      for (const [h, cls] of [[ref, "bar-reference"], [cur, "bar-current"]]) {
        const s = share(h, k);
        if (s > 0) el("rect", {class: cls, x: x(k * w), y: y(s), width: Math.max(barW - 1, 1),
                               height: height - pad - y(s)}, svg);
      }
    }
    const tx = x(series.threshold);
    el("line", {class: "threshold", x1: tx, x2: tx, y1: pad / 2, y2: height - pad}, svg);
    el("text", {x: tx + 4, y: pad}, svg, `threshold ${series.threshold}`);
    el("text", {x: pad, y: height - 6}, svg, String(lo * w));
    el("text", {x: width - pad - 24, y: height - 6}, svg, String(hi * w));
    return svg;
  }

  function history(series) {
    const points = series.history || [];
    const width = 420, height = 110, pad = 20;
    const svg = el("svg", {viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `PSI and pass rate over time for ${series.city} ${series.policy_version}`});
    if (points.length < 2) {
      el("text", {x: pad, y: height / 2}, svg, "not enough history yet");
      return svg;
    }
    const x = (i) => pad + (i / (points.length - 1)) * (width - 2 * pad);
    const top = Math.max(0.3, ...points.map((p) => p.psi || 0));
    const psi = points.map((p, i) => `${x(i)},${height - pad - ((p.psi || 0) / top) * (height - 2 * pad)}`);
    const pass = points.map((p, i) => `${x(i)},${height - pad - (p.pass_rate || 0) * (height - 2 * pad)}`);
    el("polyline", {class: "line-psi", points: psi.join(" ")}, svg);
    el("polyline", {class: "line-pass", points: pass.join(" ")}, svg);
    el("text", {x: pad, y: 12}, svg, "PSI (blue), pass rate (green), oldest to newest");
    return svg;
  }

  function render(data) {
    main.textContent = "";
    if (!data.series.length) {
      status.textContent = "No scores recorded yet.";
      return;
    }
    status.textContent = `${data.series.length} series; store ${data.store.backend}` +
      (data.store.reachable ? "" : " (DEGRADED: Redis unreachable)");
    for (const s of data.series) {
      const section = document.createElement("section");
      section.className = "series";
      section.dataset.city = s.city;
      const h2 = document.createElement("h2");
      h2.textContent = `${s.city} ${s.policy_version} `;
      const badge = document.createElement("span");
      badge.className = `level ${s.level}`;
      badge.textContent = s.level;
      h2.appendChild(badge);
      section.appendChild(h2);
      const dl = document.createElement("dl");
      const rows = [["scores in window", s.count], ["PSI", fmt(s.psi, 3)], ["KS", fmt(s.ks, 3)],
        ["pass rate", `${pct(s.pass_rate)} (reference ${pct(s.reference_pass_rate)})`],
        ["mean shift", fmt(s.mean_shift, 2)], ["near the threshold", pct(s.near_threshold)],
        ["reference", s.reference]];
      if ("implied_cutoff" in s) {
        rows.push(["implied cutoff", `${fmt(s.implied_cutoff, 2)} vs published ${fmt(s.published_cutoff, 2)}`]);
        rows.push(["threshold drift", fmt(s.threshold_drift, 2)]);
      }
      for (const [k, v] of rows) {
        const dt = document.createElement("dt"); dt.textContent = k;
        const dd = document.createElement("dd"); dd.textContent = v;
        dl.append(dt, dd);
      }
      section.appendChild(dl);
      section.appendChild(histogram(s));
      section.appendChild(history(s));
      main.appendChild(section);
    }
  }

  async function load(event) {
    if (event) event.preventDefault();
    const key = document.getElementById("key").value;
    sessionStorage.setItem("hukou-ops-key", key);
    const span = document.getElementById("window").value;
    status.textContent = "Loading…";
    const resp = await fetch(`/v1/monitoring/drift?window=${span}&history=14`,
                             {headers: {Authorization: `Bearer ${key}`}});
    const body = await resp.json();
    if (!resp.ok) {
      main.textContent = "";
      status.textContent = `${resp.status}: ${body.detail || body.title}`;
      return;
    }
    render(body);
  }

  form.addEventListener("submit", load);
  const saved = sessionStorage.getItem("hukou-ops-key");
  if (saved) { document.getElementById("key").value = saved; load(); }
})();
