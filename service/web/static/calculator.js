// The applicants' calculator. It scores nothing itself: the form comes from
// GET /v1/policies/{city} and every figure from POST /v1/what-if, so what an
// applicant sees is what the bureau's own scoring says.
(() => {
  "use strict";

  const body = document.body;
  const city = body.dataset.city;
  let lang = body.dataset.lang === "en" ? "en" : "zh";
  const STRINGS = JSON.parse(document.getElementById("calculator-strings").textContent);
  const TITLES = JSON.parse(document.getElementById("calculator-titles").textContent);
  const DEBOUNCE_MS = 200;

  let form = [];          // the policy's fields, in its order
  let byPath = new Map();
  let policyRef = null;
  let policySource = null;  // the title of the policy's source document (Chinese)
  let policyTitle = null;   // the policy's own title, in both languages
  const values = {};      // what the applicant entered, by field path (text as typed)
  let fieldErrors = {};   // field path -> messages from the API
  let lastAnswer = null;  // the last what-if answer, re-rendered on a language switch
  let sequence = 0;
  let timer = 0;
  let retryTimer = 0;
  let inflight = null;
  let shownFirstTotal = false;

  const $ = (id) => document.getElementById(id);

  function t(key, params) {
    let text = STRINGS[lang][key];
    if (text === undefined) text = STRINGS.zh[key] !== undefined ? STRINGS.zh[key] : "";
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  }

  const words = (pair) => (pair ? pair[lang] || pair.zh || pair.en || "" : "");
  const locale = () => (lang === "zh" ? "zh-CN" : "en-GB");

  function number(value, signed) {
    return new Intl.NumberFormat(locale(), {
      maximumFractionDigits: 4,
      signDisplay: signed ? "exceptZero" : "auto",
    }).format(value);
  }

  function day(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(), {
      year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, d)));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  const idOf = (path) => "f-" + path.replace(/[^A-Za-z0-9_-]/g, "-");

  // ---- the form ------------------------------------------------------------

  function unitWords(field) {
    return field.unit ? t("unit." + field.unit) : "";
  }

  function labelFor(field, forId) {
    const label = el("label", { for: forId, class: "label" }, words(field.label));
    const unit = unitWords(field);
    if (unit) label.append(el("span", { class: "unit", text: ` (${unit})` }));
    if (field.required && field.type !== "boolean") {
      label.append(el("span", { class: "req", text: ` ${t("required")}` }));
    }
    return label;
  }

  function described(field, control) {
    const ids = [];
    if (field.help) ids.push(idOf(field.path) + "-help");
    ids.push(idOf(field.path) + "-error");
    control.setAttribute("aria-describedby", ids.join(" "));
  }

  function select(id, options, current, placeholder) {
    const node = el("select", { id, name: id });
    if (placeholder !== null) node.append(el("option", { value: "", text: placeholder }));
    for (const option of options) {
      node.append(el("option", { value: option.value, text: words(option.label) }));
    }
    node.value = current || "";
    return node;
  }

  function scalarControl(field) {
    const id = idOf(field.path);
    const current = values[field.path];
    let control;
    if (field.type === "enum") {
      control = select(id, field.values, current,
        field.required ? t("choose") : t("not_applicable"));
      if (field.required) control.setAttribute("aria-required", "true");
    } else if (field.type === "date") {
      control = el("input", { id, name: id, type: "date", required: field.required });
      control.value = current || "";
    } else {
      // Text, not type=number: what was typed reaches the API, whose error explains it.
      control = el("input", {
        id, name: id, type: "text", required: field.required,
        inputmode: field.type === "integer" ? "numeric" : "decimal",
      });
      control.value = current === undefined ? "" : current;
    }
    control.addEventListener(field.type === "enum" ? "change" : "input", () => {
      values[field.path] = control.value;
      changed();
    });
    described(field, control);
    return control;
  }

  function booleanField(field, wrap) {
    const id = idOf(field.path);
    const box = el("input", { id, name: id, type: "checkbox" });
    box.checked = values[field.path] === true;
    box.addEventListener("change", () => {
      values[field.path] = box.checked;
      changed();
    });
    described(field, box);
    const label = el("label", { for: id, class: "label" }, words(field.label));
    wrap.classList.add("check");
    wrap.append(box, label);
  }

  function recordsField(field, wrap) {
    const id = idOf(field.path);
    const rows = values[field.path] || (values[field.path] = []);
    const set = el("fieldset", { id, class: "records" },
      el("legend", { class: "label", text: words(field.label) }));
    described(field, set);
    const list = el("ol", { class: "record-list" });
    if (!rows.length) list.append(el("li", { class: "empty", text: t("no_records") }));
    rows.forEach((row, i) => {
      const base = `${id}-${i}`;
      const name = t("record_n", { n: i + 1 });
      const kind = select(`${base}-kind`, field.kinds || [], row.kind, t("choose"));
      kind.addEventListener("change", () => { row.kind = kind.value; changed(); });
      const date = el("input", { id: `${base}-date`, type: "date" });
      date.value = row.date || "";
      date.addEventListener("input", () => { row.date = date.value; changed(); });
      const remove = el("button", { type: "button", class: "secondary",
        "aria-label": `${t("remove_record")}: ${name}`, text: t("remove_record") });
      remove.addEventListener("click", () => {
        rows.splice(i, 1);
        rebuildField(field, `${id}-add`);
        changed();
      });
      const kindError = el("p", { class: "error", id: `${base}-kind-error` });
      const dateError = el("p", { class: "error", id: `${base}-date-error` });
      kind.setAttribute("aria-describedby", kindError.id);
      date.setAttribute("aria-describedby", dateError.id);
      list.append(el("li", { class: "record" },
        el("span", { class: "record-name", text: name }),
        el("label", { for: kind.id, text: `${t("record_kind")} (${name})` }), kind, kindError,
        el("label", { for: date.id, text: `${t("record_date")} (${name})` }), date, dateError,
        remove));
    });
    const add = el("button", { type: "button", id: `${id}-add`, class: "secondary",
      "aria-label": `${t("add_record")}: ${words(field.label)}`, text: t("add_record") });
    add.addEventListener("click", () => {
      rows.push({ kind: "", date: "" });
      rebuildField(field, `${id}-${rows.length - 1}-kind`);
      changed();
    });
    set.append(list, add);
    wrap.append(set);
  }

  function buildField(field) {
    const wrap = el("div", { class: "field", "data-path": field.path });
    if (field.type === "boolean") booleanField(field, wrap);
    else if (field.type === "records") recordsField(field, wrap);
    else {
      const control = scalarControl(field);
      wrap.append(labelFor(field, control.id), control);
    }
    if (field.help) {
      wrap.append(el("p", { class: "help", id: idOf(field.path) + "-help", text: words(field.help) }));
    }
    wrap.append(el("p", { class: "error", id: idOf(field.path) + "-error" }));
    return wrap;
  }

  function rebuildField(field, focusId) {
    const old = document.querySelector(`.field[data-path="${CSS.escape(field.path)}"]`);
    old.replaceWith(buildField(field));
    showErrors();
    const target = focusId && $(focusId);
    if (target) target.focus();
  }

  function buildForm() {
    const node = $("form");
    node.replaceChildren(...form.map(buildField));
    showErrors();
  }

  // ---- asking the API ------------------------------------------------------

  function asValue(field, raw) {
    if (field.type === "boolean") return raw === true;
    if (field.type === "records") {
      return (raw || []).map((r) => {
        const record = {};
        if (r.kind) record.kind = r.kind;
        if (r.date) record.date = r.date;
        return record;
      });
    }
    if (raw === undefined || raw === null || String(raw).trim() === "") return undefined;
    if (field.type === "integer" || field.type === "number") {
      // Full-width digits from a Chinese input method count as digits.
      const text = String(raw).trim().replace(/[０-９．－]/g,
        (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    }
    return raw;
  }

  function application() {
    const applicant = {};
    const missing = [];
    for (const field of form) {
      const value = asValue(field, values[field.path]);
      if (value === undefined) {
        if (field.required) missing.push(field);
        continue;
      }
      const parts = field.path.split(".");
      let node = applicant;
      for (const part of parts.slice(0, -1)) node = node[part] || (node[part] = {});
      node[parts[parts.length - 1]] = value;
    }
    return { applicant, missing };
  }

  // body[data-state]: busy while an answer is awaited, then ready, incomplete, invalid,
  // limited or unavailable; tests and embedding pages can wait on it.
  const state = (name) => { body.dataset.state = name; };

  function changed() {
    state("busy");
    clearTimeout(timer);
    timer = setTimeout(ask, DEBOUNCE_MS);
  }

  function status(text, kind) {
    const node = $("status");
    node.textContent = text || "";
    node.className = kind || "";
  }

  async function ask() {
    clearTimeout(retryTimer);
    const { applicant, missing } = application();
    if (missing.length) {
      lastAnswer = null;
      fieldErrors = {};
      showErrors();
      render();
      state("incomplete");
      status(t("still_needed", {
        fields: missing.map((f) => words(f.label)).join(t("list_separator")),
      }), "info");
      return;
    }
    state("busy");
    const mine = ++sequence;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    status(t("working"), "info");
    let response;
    try {
      response = await fetch("/v1/what-if", {
        method: "POST",
        signal: inflight.signal,
        headers: {
          "Content-Type": "application/json",
          "Accept-Language": lang === "zh" ? "zh-CN" : "en",
        },
        body: JSON.stringify({ city, applicant }),
      });
      const answer = await response.json().catch(() => null);
      if (mine !== sequence) return;
      handle(response, answer);
    } catch (error) {
      if (error.name === "AbortError" || mine !== sequence) return;
      state("unavailable");
      status(t("unavailable"), "problem");
    }
  }

  function handle(response, answer) {
    if (response.ok && answer) {
      fieldErrors = {};
      lastAnswer = answer;
      showErrors();
      render();
      status("", "");
      state("ready");
      return;
    }
    if (response.status === 422 && answer && answer.errors) {
      fieldErrors = fieldsOf(answer.errors);
      lastAnswer = null;
      showErrors();
      render();
      status(fieldErrors[""] ? fieldErrors[""].join(" ") : t("fix_errors"), "problem");
      state("invalid");
      return;
    }
    if (response.status === 429) {
      const seconds = Math.max(1, parseInt(response.headers.get("Retry-After") || "5", 10) || 5);
      status(t("rate_limited", { seconds }), "problem");
      state("limited");
      retryTimer = setTimeout(ask, seconds * 1000);
      return;
    }
    status(t("unavailable"), "problem");
    state("unavailable");
  }

  // "applicant.criminal_record.0.date" -> the control it belongs to.
  function fieldsOf(errors) {
    const out = {};
    for (const [key, messages] of Object.entries(errors)) {
      const path = key.replace(/^applicant\.?/, "");
      let target = "";
      for (const field of form) {
        if (path === field.path) target = field.path;
        else if (field.type === "records" && path.startsWith(field.path + ".")) {
          const rest = path.slice(field.path.length + 1).split(".");
          target = rest.length === 2 ? `${field.path}#${rest[0]}#${rest[1]}` : field.path;
        }
      }
      (out[target] || (out[target] = [])).push(...messages);
    }
    return out;
  }

  function showErrors() {
    for (const node of document.querySelectorAll("#form .error")) node.textContent = "";
    for (const node of document.querySelectorAll("#form [aria-invalid]")) {
      node.removeAttribute("aria-invalid");
    }
    for (const [target, messages] of Object.entries(fieldErrors)) {
      if (!target) continue;
      const [path, index, part] = target.split("#");
      const base = idOf(path) + (index !== undefined ? `-${index}-${part}` : "");
      const box = $(base + "-error");
      if (box) box.textContent = messages.join(" ");
      const control = $(base);
      if (control) control.setAttribute("aria-invalid", "true");
    }
  }

  // ---- the answer ----------------------------------------------------------

  function render() {
    const answer = lastAnswer;
    for (const id of ["summary", "gates", "path", "breakdown", "mini"]) $(id).hidden = !answer;
    if (!answer) return;
    const result = answer.baseline;
    // On a phone the result sits below a long form: a bar keeps the total in sight.
    $("mini").textContent = t("mini", {
      total: number(result.total), threshold: number(result.threshold),
    });
    const total = $("total");
    total.textContent = number(result.total);
    total.dataset.value = result.total;
    const threshold = $("threshold");
    threshold.replaceChildren(result.threshold === null ? t("no_line") : number(result.threshold));
    threshold.dataset.value = result.threshold;
    if (result.threshold_estimated) {
      threshold.append(el("span", { class: "note", text: ` (${t("threshold_estimated")})` }));
    }
    const margin = $("margin");
    margin.textContent = result.margin === null ? "—" : number(result.margin, true);
    margin.dataset.value = result.margin;
    const verdict = $("verdict");
    const key = !result.eligible ? "ineligible"
      : result.passes === null ? "ranked" : result.passes ? "passes" : "fails";
    verdict.textContent = t(key);
    verdict.className = "verdict " + key;
    renderGates(result);
    renderPath(answer.path_to_threshold, result);
    renderBreakdown(result);
    renderSources(result);
    if (!shownFirstTotal) {
      shownFirstTotal = true;
      performance.mark("hukou:first-total");
    }
  }

  function renderGates(result) {
    const failed = result.gates.filter((g) => !g.passed);
    const list = $("gate-list");
    if (!failed.length) {
      list.replaceChildren(el("li", { class: "ok", text: t("gates_all_passed") }));
      return;
    }
    list.replaceChildren(...failed.map((g) => el("li", { class: "failed", "data-gate": g.id },
      el("strong", { text: `${t("gate_failed")}: ${words(g.label)}` }),
      el("span", { class: "reason", text: ` ${words(g.reason)}` }))));
  }

  function shownValue(path, value) {
    const field = byPath.get(path);
    if (!field) return String(value);
    if (field.type === "enum") {
      const option = (field.values || []).find((v) => v.value === value);
      return option ? words(option.label) : String(value);
    }
    if (field.type === "boolean") return value ? t("yes") : "—";
    if (typeof value === "number") {
      const unit = unitWords(field);
      return unit && field.unit !== "ratio" ? `${number(value)} ${unit}` : number(value);
    }
    return String(value);
  }

  function changeWords(change) {
    const parts = Object.entries(change.needed).map(([path, value]) => {
      const field = byPath.get(path);
      const label = field ? words(field.label) : path;
      const current = change.current ? change.current[path] : undefined;
      let key = "change_set";
      if (typeof value === "number" && typeof current === "number") {
        key = value > current ? "change_raise" : "change_lower";
      }
      return t(key, { label, value: shownValue(path, value) });
    });
    return parts.join(" ");
  }

  function renderPath(path, result) {
    const items = [];
    const earliest = path.earliest_pass;
    if (result.passes) items.push(t("pass_today"));
    else if (earliest && earliest.date) items.push(t("pass_on", { date: day(earliest.date) }));
    else if (earliest) items.push(words(earliest.words));
    if (!result.passes) {
      const enough = path.changes.filter((c) => c.enough_alone && c.needed);
      if (enough.length) items.push(...enough.map(changeWords));
      else items.push(t("no_single_change"));
    }
    for (const note of path.notes || []) items.push(words(note));
    $("path-list").replaceChildren(...items.map((text) => el("li", { text })));
  }

  // Where the figures come from: what the policy leaves out, and the figures of medium
  // or low confidence (or our own choices) that gave points in this answer.
  function renderSources(result) {
    const items = [];
    // The source document's title is Chinese only: English readers get the policy's title.
    const title = lang === "zh" ? policySource : policyTitle && words(policyTitle);
    if (title) items.push(el("li", { text: t("source_line", { title }) }));
    if ((result.omitted || []).length) {
      const names = result.omitted.map((o) => words(o.label)).join(t("list_separator"));
      items.push(el("li", { text: `${t("omitted_intro")} ${names}` }));
    }
    const unsure = (result.uncertain || []).map((u) => {
      const how = [u.confidence ? t("confidence." + u.confidence) : null,
        u.choice ? t("choice") : null].filter(Boolean).join(t("list_separator"));
      return lang === "zh" ? `${words(u.label)}（${how}）` : `${words(u.label)} (${how})`;
    });
    if (unsure.length) {
      items.push(el("li", { text: `${t("uncertain_intro")} ${unsure.join(t("list_separator"))}` }));
    }
    $("sources-list").replaceChildren(...items);
    $("sources").hidden = !items.length;
  }

  function renderBreakdown(result) {
    $("breakdown-rows").replaceChildren(...result.breakdown.map((row) => {
      const rule = el("td", { text: words(row.rule_i18n) });
      if (row.capped) rule.append(el("span", { class: "note", text: ` (${t("capped")})` }));
      return el("tr", { "data-criterion": row.criterion },
        el("th", { scope: "row", text: words(row.label) }),
        el("td", { class: "num", text: number(row.points) }),
        rule);
    }));
  }

  // ---- language ------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    const title = t("page_title", { city: words(TITLES) });
    document.title = title;
    $("page-title").textContent = title;
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
    const button = $("switch-language");
    button.textContent = t("switch_language");
    button.setAttribute("aria-label", t("switch_language_label"));
    button.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
    if (policyRef) {
      $("policy-ref").textContent = t("policy_version", {
        version: policyRef.version, date: day(policyRef.effective_from),
      });
    }
  }

  function switchLanguage() {
    lang = lang === "zh" ? "en" : "zh";
    body.dataset.lang = lang;
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    applyLanguage();
    buildForm();
    render();
    changed(); // field errors come back worded in the new language
  }

  // ---- start ---------------------------------------------------------------

  // A link may carry answers in its fragment (#path=value&...): the fragment never
  // reaches a server, so nothing typed here is sent anywhere but to the scoring call.
  function prefill() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [path, raw] of params) {
      const field = byPath.get(path);
      if (!field || field.type === "records") continue;
      values[path] = field.type === "boolean" ? raw === "true" : raw;
    }
  }

  function initialValues() {
    for (const field of form) {
      if (field.type === "boolean") values[field.path] = field.default === true;
      else if (field.type === "records") values[field.path] = [];
      else if (field.default !== null && field.default !== undefined) {
        values[field.path] = String(field.default);
      }
    }
  }

  function reportSize() {
    if (window.parent === window) return;
    const send = () => window.parent.postMessage({
      type: "hukou-calculator:size",
      height: Math.ceil(document.documentElement.getBoundingClientRect().height),
    }, "*");
    new ResizeObserver(send).observe(document.documentElement);
    send();
  }

  async function start() {
    $("switch-language").addEventListener("click", switchLanguage);
    $("form").addEventListener("submit", (event) => { event.preventDefault(); ask(); });
    reportSize();
    try {
      const response = await fetch(`/v1/policies/${encodeURIComponent(city)}`);
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      form = answer.form;
      policyRef = answer.policy;
      const document_ = answer.document || {};
      policySource = document_.source ? document_.source.title : null;
      policyTitle = document_.title || null;
      $("model-banner").hidden = document_.official !== false;
      byPath = new Map(form.map((f) => [f.path, f]));
    } catch (error) {
      status(t("unavailable"), "problem");
      state("unavailable");
      return;
    }
    initialValues();
    prefill();
    applyLanguage();
    buildForm();
    ask();
  }

  start();
})();
