// The calculator's answer, drawn from POST /v1/what-if: the figures and where the line
// comes from, the services the points open, the conditions, the way to the line (time,
// one change, several together), and the points by section with subtotals.
(() => {
  "use strict";

  const C = window.HukouCalculator;
  const $ = (id) => document.getElementById(id);
  const el = (...args) => C.el(...args);
  const t = (...args) => C.t(...args);

  // ---- small helpers ------------------------------------------------------------

  C.shownValue = (path, value) => {
    const field = C.byPath.get(path);
    if (!field) return C.number(value);
    if (field.type === "enum") {
      const option = (field.values || []).find((v) => v.value === value);
      return option ? C.words(option.label) : t("not_applicable");
    }
    if (field.type === "boolean") return value ? t("yes") : t("no");
    if (field.type === "date") return C.day(value);
    if (typeof value === "number") {
      const unit = field.unit && field.unit !== "ratio" && !C.isMark(field)
        ? t("unit." + field.unit) : "";
      if (!unit) return C.number(value);
      return C.lang === "zh" ? `${C.number(value)}${unit}` : `${C.number(value)} ${unit}`;
    }
    return t("not_applicable");
  };

  const cutoffs = () => {
    const th = C.doc.threshold || {};
    return Object.entries(th.cutoffs || {}).map(([y, v]) => [Number(y), Number(v)])
      .sort((a, b) => a[0] - b[0]);
  };

  // The year of the published line an answer's threshold is, as the service picks it.
  function lineYear(round) {
    const list = cutoffs();
    if (!list.length) return null;
    if (list.some(([y]) => y === round)) return round;
    const earlier = list.filter(([y]) => y < round);
    return (earlier.length ? earlier[earlier.length - 1] : list[0])[0];
  }

  // How past lines moved: first and last published, and the mean rise a year.
  C.trend = () => {
    const list = cutoffs();
    if (list.length < 2) return null;
    const [[y0, v0], [y1, v1]] = [list[0], list[list.length - 1]];
    return { first: v0, first_year: y0, last: v1, last_year: y1,
      rate: Math.round(((v1 - v0) / (y1 - y0)) * 100) / 100 };
  };

  // ---- the figures --------------------------------------------------------------

  function lineNote(result) {
    const th = C.doc.threshold || {};
    if (result.passes === null && result.eligible) {
      return result.threshold === null ? t("line_none") : `${t("line_none")}${C.lang === "zh" ? "" : " "}${t("line_none_past")}`;
    }
    if (th.kind !== "quota") return t("line_fixed");
    const year = lineYear(result.round);
    if (!result.threshold_estimated) return t("line_round", { year: result.round });
    return t("line_estimated", { year, round: result.round });
  }

  function renderSummary(result) {
    const total = $("total");
    total.textContent = C.number(result.total);
    total.dataset.value = result.total;
    const threshold = $("threshold");
    threshold.replaceChildren(result.threshold === null ? t("no_line") : C.number(result.threshold));
    threshold.dataset.value = result.threshold;
    if (result.threshold_estimated) {
      threshold.append(el("span", { class: "note", text: C.lang === "zh"
        ? `（${t("threshold_estimated")}）` : ` (${t("threshold_estimated")})` }));
    }
    const margin = $("margin");
    margin.textContent = result.margin === null ? "—" : C.number(result.margin, true);
    margin.dataset.value = result.margin;
    $("line-note").textContent = lineNote(result);
    const verdict = $("verdict");
    const key = C.verdictKey(result);
    verdict.textContent = t(key);
    verdict.className = "verdict " + key;
    const trend = C.trend();
    if ($("line-trend")) $("line-trend").textContent = trend ? t("line_trend", {
      first: C.number(trend.first), first_year: trend.first_year, last: C.number(trend.last),
      last_year: trend.last_year, rate: C.number(trend.rate) }) : "";
  }

  C.verdictKey = (result) => (!result.eligible ? "ineligible"
    : result.passes === null ? "ranked" : result.passes ? "passes" : "fails");

  function renderEntitlements(result) {
    const offered = [...(C.doc.entitlements || [])].sort((a, b) => a.min_points - b.min_points);
    $("entitlements").hidden = !offered.length;
    if (!offered.length) return;
    const reached = new Set(result.entitlements || []);
    const items = offered.filter((e) => reached.has(e.id)).map((e) => el("li",
      { class: "reached", "data-entitlement": e.id,
        text: t("entitlement_reached", { label: C.words(e.label), min: C.number(e.min_points) }) }));
    if (!items.length) items.push(el("li", { text: t("entitlements_none_yet") }));
    const next = offered.find((e) => !reached.has(e.id));
    if (next) {
      const gap = Math.max(0, Math.round((next.min_points - result.total) * 100) / 100);
      items.push(el("li", { class: "next", "data-entitlement": next.id, text: t("entitlement_next",
        { label: C.words(next.label), min: C.number(next.min_points), gap: C.number(gap) }) }));
    }
    $("entitlement-list").replaceChildren(...items);
  }

  function renderGates(result) {
    const failed = result.gates.filter((g) => !g.passed);
    const list = $("gate-list");
    if (!failed.length) {
      list.replaceChildren(el("li", { class: "ok", text: t("gates_all_passed") }));
      return;
    }
    list.replaceChildren(...failed.map((g) => el("li", { class: "failed", "data-gate": g.id },
      el("strong", { text: `${t("gate_failed")}${C.lang === "zh" ? "：" : ": "}${C.words(g.label)}` }),
      el("span", { class: "reason", text: C.words(g.reason) }))));
  }

  // ---- the way to the line --------------------------------------------------------

  function changeWords(change) {
    return Object.entries(change.needed).map(([path, value]) => {
      const field = C.byPath.get(path);
      const label = field ? C.words(field.label) : C.words(change.label);
      const current = change.current ? change.current[path] : undefined;
      let key = "change_set";
      if (typeof value === "number" && typeof current === "number") {
        key = value > current ? "change_raise" : "change_lower";
      }
      return t(key, { label, value: C.shownValue(path, value) });
    }).join(" ");
  }

  function renderPath(answer) {
    const result = answer.baseline;
    const path = answer.path_to_threshold;
    const items = [];
    const quota = (C.doc.threshold || {}).kind === "quota";
    if (result.passes === null) {
      items.push(t("ranked_path"));
    } else if (result.passes) {
      items.push(t("pass_today"));
    } else {
      const ep = path.earliest_pass;
      const years = path.horizon_years;
      if (ep.reason === "time" && ep.date) {
        items.push(t(quota ? "path_time_round" : "path_time", { date: C.day(ep.date),
          round: ep.round, total: C.number(ep.total), threshold: C.number(ep.threshold) }));
      } else if (ep.reason === "gate") {
        const labels = (ep.gates || []).map((id) => {
          const gate = result.gates.find((g) => g.id === id);
          return gate ? C.words(gate.label) : "";
        }).filter(Boolean).join(t("list_separator"));
        items.push(t("path_gate", { years, gates: labels }));
      }
      if ((ep.reason === "horizon" || ep.reason === "cap" || ep.reason === "gate")
        && ep.threshold !== null) {
        const gap = Math.round((ep.threshold - ep.total) * 100) / 100;
        let text = t("path_horizon", { years, date: C.day(C.shiftYears(C.asOf(), years)),
          total: C.number(ep.total), threshold: C.number(ep.threshold), gap: C.number(gap) });
        if (ep.reason === "cap") text += (C.lang === "zh" ? "" : " ") + t("path_cap");
        items.push(text);
      }
      if (quota && ep.threshold !== null) {
        const trend = C.trend();
        items.push(trend && trend.rate > 0
          ? t("path_line_assumed", { threshold: C.number(ep.threshold), rate: C.number(trend.rate) })
          : t("path_line_assumed_flat", { threshold: C.number(ep.threshold) }));
      }
      const enough = path.changes.filter((c) => c.enough_alone && c.needed);
      if (enough.length) {
        const list = el("ul", {}, ...enough.map((c) => el("li", { "data-change": c.criterion,
          text: changeWords(c) })));
        items.push(el("span", {}, el("span", { text: t("path_single") }), list));
      } else {
        items.push(t("no_single_change"));
      }
    }
    $("path-list").replaceChildren(...items.map((item) => el("li", {},
      typeof item === "string" ? document.createTextNode(item) : item)));
  }

  // ---- several changes together -------------------------------------------------------

  // The inputs at which a rule gives its most, read from the policy: a candidate the API
  // then scores (it decides the points; the page only picks what to ask about).
  function bestSet(rule) {
    const field = (path) => C.model.fields.get(path);
    const bounded = (path, value) => {
      const f = field(path);
      if (!f) return null;
      return { [path]: f.max !== undefined ? Math.min(value, f.max) : value };
    };
    switch (rule.kind) {
      case "flag":
        return rule.points > 0 && field(rule.input) && rule.expect !== false
          ? { [rule.input]: true } : null;
      case "per_item":
        return rule.points > 0 && rule.cap !== undefined
          ? bounded(rule.input, Math.ceil(rule.cap / rule.points)) : null;
      case "per_unit":
        return rule.points > 0 && rule.cap !== undefined && typeof rule.input === "string"
          ? bounded(rule.input, Math.ceil(rule.cap / rule.points) * (rule.per || 1)) : null;
      case "lookup": {
        if (rule.rows) {
          const top = rule.rows.reduce((a, b) => (b.points > a.points ? b : a));
          return Object.keys(top.when).every((p) => field(p)) ? { ...top.when } : null;
        }
        const entries = Object.entries(rule.table || {});
        if (!entries.length || !field(rule.input)) return null;
        const [key] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
        const f = field(rule.input);
        return { [rule.input]: f.type === "integer" || f.type === "number" ? Number(key) : key };
      }
      case "bands": {
        const top = rule.bands.reduce((a, b) => (b.points > a.points ? b : a));
        const f = field(rule.input);
        if (!f) return null;
        return bounded(rule.input, top.from !== undefined ? top.from : (f.min || 0));
      }
      case "best_of": {
        const top = rule.of.reduce((a, b) => (C.maxPointsOf(b) > C.maxPointsOf(a) ? b : a));
        return bestSet(top);
      }
      case "only_if": {
        const then = bestSet(rule.then);
        const cond = rule.condition || {};
        const value = cond.equals !== undefined ? cond.equals : cond.min;
        if (!then || value === undefined || !field(cond.input)) return null;
        return { ...then, [cond.input]: Math.max(value, then[cond.input] || value) };
      }
      default:
        return null;
    }
  }

  C.comboCandidates = (answer) => {
    const result = answer.baseline;
    const points = new Map(result.breakdown.map((r) => [r.criterion, r.points]));
    const out = [];
    for (const change of answer.path_to_threshold.changes) {
      if (change.kind !== "number" && change.kind !== "category") continue;
      const criterion = C.model.criteria.find((c) => c.id === change.criterion);
      if (!criterion || criterion.deduction) continue;
      if (change.inputs.some((p) => C.model.fields.get(p) && C.model.fields.get(p).accrues)) continue;
      const set = bestSet(criterion.rule);
      if (!set) continue;
      const headroom = C.maxPointsOf(criterion.rule) - (points.get(change.criterion) || 0);
      if (!(headroom > 0)) continue;
      out.push({ criterion: change.criterion, set, headroom });
    }
    return out.sort((a, b) => b.headroom - a.headroom).slice(0, 20);
  };

  // Asks the API to score the candidates added one by one (largest room first) and shows
  // the first set that reaches the line, or all of them and how far they fall short.
  C.combination = async (answer, applicant, signal) => {
    const box = $("combo");
    const candidates = C.comboCandidates(answer);
    if (!candidates.length) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.replaceChildren(el("p", { class: "working", text: t("combo_working") }));
    const scenarios = [];
    let set = {};
    candidates.forEach((c, i) => {
      set = { ...set, ...c.set };
      scenarios.push({ name: String(i + 1), set: { ...set } });
    });
    let response, body;
    try {
      response = await fetch("/v1/what-if", { method: "POST", signal,
        headers: { "Content-Type": "application/json", "Accept-Language": "en" },
        body: JSON.stringify({ city: C.city, applicant, scenarios }) });
      body = await response.json();
    } catch (error) {
      box.hidden = true;
      return;
    }
    if (!response.ok || signal.aborted) {
      box.hidden = true;
      return;
    }
    const kept = [];
    let before = answer.baseline.total, reached = null, last = null;
    body.scenarios.forEach((s, i) => {
      if (reached) return;
      last = s.result;
      if (s.result.total > before) kept.push(candidates[i]);
      before = s.result.total;
      if (s.result.passes) reached = s.result;
    });
    if (!kept.length) {
      box.hidden = true;
      return;
    }
    const final = reached || last;
    const items = kept.flatMap((c) => Object.entries(c.set).map(([path, value]) =>
      el("li", { "data-path": path, "data-value": JSON.stringify(value),
        text: t("combo_item", { label: C.labelOf(path), value: C.shownValue(path, value) }) })));
    const gap = Math.round((final.threshold - final.total) * 100) / 100;
    box.replaceChildren(
      el("p", { text: reached ? t("combo_enough", { total: C.number(final.total) })
        : t("combo_short", { total: C.number(final.total), gap: C.number(gap) }) }),
      el("ul", {}, ...items));
    box.dataset.reached = reached ? "true" : "false";
  };

  // ---- points by section -----------------------------------------------------------

  C.subtotals = (result) => {
    const rows = new Map(result.breakdown.map((r) => [r.criterion, r]));
    return C.model.sections.map((section) => {
      const mine = section.criteria.map((id) => rows.get(id)).filter(Boolean);
      const exact = C.addFractions(mine.map((r) => C.fraction(r.points_exact)));
      return { section, rows: mine, points: C.rounded(exact, C.model.rounding) };
    });
  };

  function renderBreakdown(result) {
    const out = [];
    const groups = C.subtotals(result);
    for (const { section, rows, points } of groups) {
      const subtotal = $(`section-${section.id}-subtotal`);
      if (subtotal) {
        subtotal.textContent = rows.length ? (C.lang === "zh" ? "：" : ": ")
          + t("subtotal", { points: C.number(points) }) : "";
        subtotal.dataset.value = rows.length ? String(points) : "";
      }
      if (!rows.length) continue;
      out.push(el("tr", { class: "section-row", "data-section": section.id },
        el("th", { scope: "row", text: C.sectionTitle(section) }),
        el("td", { class: "num", "data-subtotal": String(points), text: C.number(points) }),
        el("td", { text: t("subtotal_label") })));
      for (const row of rows) {
        const rule = el("td", { text: C.words(row.rule_i18n) });
        if (row.capped) {
          rule.append(el("span", { class: "note", text: C.lang === "zh"
            ? `，${t("capped")}` : ` (${t("capped")})` }));
        }
        out.push(el("tr", { "data-criterion": row.criterion },
          el("th", { scope: "row", text: C.words(row.label) }),
          el("td", { class: "num", text: C.number(row.points) }), rule));
      }
    }
    $("breakdown-rows").replaceChildren(...out);
  }

  // Where the figures come from: what the policy leaves out, and the figures of medium
  // or low confidence (or our own choices) that gave points in this answer.
  function renderSources(result) {
    const items = [];
    const doc = C.doc;
    // The source document's title is Chinese only: English readers get the policy's title.
    const title = C.lang === "zh" ? doc.source && doc.source.title : C.words(doc.title);
    if (title) items.push(el("li", { text: t("source_line", { title }) }));
    const colon = C.lang === "zh" ? "" : " ";
    if ((result.omitted || []).length) {
      const names = result.omitted.map((o) => C.words(o.label)).join(t("list_separator"));
      items.push(el("li", { text: `${t("omitted_intro")}${colon}${names}` }));
    }
    const unsure = (result.uncertain || []).map((u) => {
      const how = [u.confidence ? t("confidence." + u.confidence) : null,
        u.choice ? t("choice") : null].filter(Boolean).join(t("list_separator"));
      return `${C.words(u.label)}${C.lang === "zh" ? "：" : ": "}${how}`;
    });
    if (unsure.length) {
      items.push(el("li", { text: `${t("uncertain_intro")}${colon}${unsure.join(C.lang === "zh" ? "；" : "; ")}` }));
    }
    $("sources-list").replaceChildren(...items);
    $("sources").hidden = !items.length;
  }

  // ---- the whole answer ---------------------------------------------------------------

  C.render = () => {
    const answer = C.lastAnswer;
    for (const id of ["summary", "gates", "path", "breakdown", "mini"]) $(id).hidden = !answer;
    if (!answer) {
      $("entitlements").hidden = true;
      $("stale").hidden = true;
      for (const node of document.querySelectorAll("#form .subtotal")) node.textContent = "";
      return;
    }
    const result = answer.baseline;
    $("result").classList.toggle("is-stale", C.stale);
    $("stale").hidden = !C.stale;
    $("mini").textContent = result.threshold === null ? t("mini_ranked", { total: C.number(result.total) })
      : t("mini", { total: C.number(result.total), threshold: C.number(result.threshold) });
    renderSummary(result);
    renderEntitlements(result);
    renderGates(result);
    renderPath(answer);
    renderBreakdown(result);
    renderSources(result);
  };

  // What a screen reader hears when the total changes (said once per change, politely).
  C.announcement = (result) => {
    const verdict = t(C.verdictKey(result));
    return result.threshold === null
      ? t("announce_ranked", { total: C.number(result.total), verdict })
      : t("announce", { total: C.number(result.total), threshold: C.number(result.threshold),
        verdict });
  };
})();
