// The applicants' calculator. It scores nothing itself: the form comes from
// GET /v1/policies/{city} and every figure from POST /v1/what-if, so what an
// applicant sees is what the bureau's own scoring says. This file ties the parts
// together: the answers typed, when to ask, what came back, the language, and the
// messages an embedding page listens for.
(() => {
  "use strict";

  const C = window.HukouCalculator;
  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const t = (...args) => C.t(...args);
  const DEBOUNCE_MS = 200;
  const COMBO_IDLE_MS = 900;

  C.city = body.dataset.city;
  C.values = {};      // what the applicant entered, by field path (text as typed)
  C.applies = {};     // "which of these apply": ticked kinds of a count
  C.notTaken = {};    // test marks not taken yet
  C.starts = {};      // start dates given to work a duration out
  C.lastAnswer = null;
  C.stale = false;    // the answer shown is for earlier entries
  let clientErrors = {};
  let apiErrors = {};
  let sentIndex = {};  // records path -> the row each sent record came from
  let sequence = 0;
  let timer = 0;
  let retryTimer = 0;
  let comboTimer = 0;
  let inflight = null;
  let comboFlight = null;
  let lastAnnounced = "";
  let shownFirstTotal = false;

  C.asOf = () => (C.lastAnswer && C.lastAnswer.baseline.as_of) || C.today();

  // body[data-state]: busy while an answer is awaited, then ready, incomplete, invalid,
  // limited or unavailable; tests and embedding pages can wait on it.
  const state = (name) => { body.dataset.state = name; };

  function status(text, kind) {
    const node = $("status");
    node.textContent = text || "";
    node.className = kind || "";
  }

  C.changed = () => {
    C.refreshForm(); // a question that now applies shows at once, before any answer
    state("busy");
    clearTimeout(timer);
    clearTimeout(comboTimer);
    if (comboFlight) comboFlight.abort();
    timer = setTimeout(update, DEBOUNCE_MS);
  };

  // ---- the request --------------------------------------------------------------------

  function application() {
    const applicant = {};
    sentIndex = {};
    for (const [path, field] of C.model.fields) {
      const value = C.sendValue(path);
      if (field.type === "records") sentIndex[path] = C.recordsSent(path).index;
      if (value === undefined) continue;
      const parts = path.split(".");
      let node = applicant;
      for (const part of parts.slice(0, -1)) node = node[part] || (node[part] = {});
      node[parts[parts.length - 1]] = value;
    }
    return applicant;
  }

  function markStale() {
    if (C.lastAnswer) C.stale = true;
    C.render();
  }

  function update() {
    C.refreshForm();
    clientErrors = C.check();
    if (Object.keys(clientErrors).length) {
      apiErrors = {};
      C.showErrors();
      markStale();
      status(t("fix_errors"), "problem");
      state("invalid");
      return;
    }
    const missing = C.missing();
    if (missing.length) {
      apiErrors = {};
      C.showErrors();
      markStale();
      status(t("still_needed", {
        fields: missing.map((f) => C.words(f.label)).join(t("list_separator")),
      }), "info");
      state("incomplete");
      return;
    }
    ask();
  }

  async function ask() {
    clearTimeout(retryTimer);
    const applicant = application();
    state("busy");
    const mine = ++sequence;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    $("result").setAttribute("aria-busy", "true");
    try {
      // Errors come in English, the service's reference wording, and the page says them
      // again in its own words (calc_words.js): no field name reaches the applicant.
      const response = await fetch("/v1/what-if", {
        method: "POST",
        signal: inflight.signal,
        headers: { "Content-Type": "application/json", "Accept-Language": "en" },
        body: JSON.stringify({ city: C.city, applicant }),
      });
      const answer = await response.json().catch(() => null);
      if (mine !== sequence) return;
      handle(response, answer, applicant);
    } catch (error) {
      if (error.name === "AbortError" || mine !== sequence) return;
      state("unavailable");
      status(t("unavailable"), "problem");
    } finally {
      if (mine === sequence) $("result").removeAttribute("aria-busy");
    }
  }

  function handle(response, answer, applicant) {
    if (response.ok && answer) {
      apiErrors = {};
      const before = C.asOf();
      C.lastAnswer = answer;
      if (C.asOf() !== before) refreshDates(); // the service's day, not the browser's
      $("combo").hidden = true; // until worked out again for this answer
      C.stale = false;
      C.showErrors();
      C.render();
      announce(answer.baseline);
      tellHost(answer.baseline);
      status("", "");
      state("ready");
      if (!shownFirstTotal) {
        shownFirstTotal = true;
        performance.mark("hukou:first-total");
      }
      comboTimer = setTimeout(() => combine(answer, applicant), COMBO_IDLE_MS);
      return;
    }
    if (response.status === 422 && answer && answer.errors) {
      apiErrors = fieldsOf(answer.errors);
      C.showErrors();
      markStale();
      const loose = apiErrors[""];
      status(loose ? loose.join(" ") : t("fix_errors"), "problem");
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

  function combine(answer, applicant) {
    const result = answer.baseline;
    const single = answer.path_to_threshold.changes.some((c) => c.enough_alone && c.needed);
    if (result.passes !== false || !result.eligible || single) {
      $("combo").hidden = true;
      return;
    }
    comboFlight = new AbortController();
    C.combination(answer, applicant, comboFlight.signal);
  }

  // "applicant.criminal_record.0.date" -> the control it belongs to, in the page's words.
  function fieldsOf(errors) {
    const out = {};
    for (const [key, messages] of Object.entries(errors)) {
      const path = key.replace(/^applicant\.?/, "");
      let target = "";
      for (const [fieldPath, field] of C.model.fields) {
        if (path === fieldPath && C.visible(fieldPath)) target = fieldPath;
        else if (field.type === "records" && path.startsWith(fieldPath + ".")) {
          const rest = path.slice(fieldPath.length + 1).split(".");
          const row = (sentIndex[fieldPath] || [])[Number(rest[0])];
          target = rest.length === 2 && row !== undefined ? `${fieldPath}#${row}#${rest[1]}`
            : fieldPath;
        }
      }
      const words = [...new Set((Array.isArray(messages) ? messages : [messages]).map(C.explain))];
      (out[target] || (out[target] = [])).push(...words);
    }
    return out;
  }

  C.showErrors = () => {
    for (const node of document.querySelectorAll("#form .error")) node.textContent = "";
    for (const node of document.querySelectorAll("#form [aria-invalid]")) {
      node.removeAttribute("aria-invalid");
    }
    const all = {};
    for (const source of [apiErrors, clientErrors]) {
      for (const [target, messages] of Object.entries(source)) {
        all[target] = [...new Set([...(all[target] || []), ...messages])];
      }
    }
    for (const [target, messages] of Object.entries(all)) {
      if (!target) continue;
      const [path, index, part] = target.split("#");
      const base = C.idOf(path) + (index !== undefined ? `-${index}-${part}` : "");
      const box = $(base + "-error");
      if (box) box.textContent = messages.join(" ");
      const control = $(base);
      if (control) control.setAttribute("aria-invalid", "true");
    }
  };

  // ---- telling people --------------------------------------------------------------

  function announce(result) {
    const text = C.announcement(result);
    if (text === lastAnnounced) return;
    lastAnnounced = text;
    $("announce").textContent = text;
  }

  // An embedding page keeps the total in sight on its own screen (embed.js): the frame
  // is as tall as the calculator, so nothing inside it can stick to the visitor's screen.
  function tellHost(result) {
    if (window.parent === window) return;
    const top = (id) => Math.round($(id).getBoundingClientRect().top + window.scrollY);
    requestAnimationFrame(() => window.parent.postMessage({  // once the layout has settled
      type: "hukou-calculator:total",
      text: $("mini").textContent,
      label: t("result_heading"),
      headingTop: top("result-heading"),
      totalTop: top("summary"),
      verdict: C.verdictKey(result),
    }, "*"));
  }

  // ---- language ------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = C.lang === "zh" ? "zh-CN" : "en";
    const title = t("page_title", { city: C.words(C.TITLES) });
    document.title = title;
    $("page-title").textContent = title;
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll("[data-lang-only]")) {
      node.hidden = node.dataset.langOnly !== C.lang;
    }
    const button = $("switch-language");
    button.textContent = t("switch_language");
    button.setAttribute("aria-label", t("switch_language_label"));
    button.setAttribute("lang", C.lang === "zh" ? "en" : "zh-CN");
    if (C.policyRef) {
      $("policy-ref").textContent = t("policy_version", {
        version: C.policyRef.version, date: C.day(C.policyRef.effective_from),
      });
    }
    referenceIntro();
  }

  // The dates durations count to, said again once the service has named its own day.
  function refreshDates() {
    for (const node of document.querySelectorAll("#form .field[data-path]")) {
      const span = node.querySelector(".counts-to");
      const field = C.model.fields.get(node.dataset.path);
      const date = C.countsTo(node.dataset.path);
      if (span && date) {
        span.textContent = t(field.unit === "month" ? "duration.month" : "duration.year",
          { date: C.day(date) });
      }
      const age = C.model.ageFacts.find((f) => f.from === node.dataset.path);
      const ageNote = node.querySelector(".age-on");
      if (age && ageNote) {
        ageNote.textContent = t("age_on", {
          date: C.day(C.referenceDate(C.asOf(), C.model.referenceDates[age.on])) });
      }
    }
    referenceIntro();
  }

  // When durations count to a date other than the application's, say so once on top.
  function referenceIntro() {
    const node = $("reference-intro");
    if (!C.model) return;
    const dates = [...C.model.fields.keys()].map((p) => C.countsTo(p))
      .filter((d) => d && d !== C.asOf());
    node.hidden = !dates.length;
    node.textContent = dates.length
      ? t("reference_intro", { date: C.day(dates[0]), today: C.day(C.asOf()) }) : "";
  }

  function switchLanguage() {
    C.lang = C.lang === "zh" ? "en" : "zh";
    body.dataset.lang = C.lang;
    const url = new URL(location.href);
    url.searchParams.set("lang", C.lang);
    history.replaceState(null, "", url);
    applyLanguage();
    C.buildForm();
    lastAnnounced = "";
    C.render();
    C.changed(); // the page's error words come back in the new language
  }

  // ---- start ---------------------------------------------------------------------

  // A link may carry answers in its fragment (#path=value&...): the fragment never
  // reaches a server, so nothing typed here is sent anywhere but to the scoring call.
  function prefill() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [path, raw] of params) {
      const field = C.byPath.get(path);
      if (!field || field.type === "records") continue;
      C.values[path] = field.type === "boolean" ? raw === "true" : raw;
    }
  }

  function initialValues() {
    for (const [path, field] of C.model.fields) {
      if (field.type === "boolean") C.values[path] = field.default === true;
      else if (field.type === "records") C.values[path] = [];
      else if (field.default !== null && field.default !== undefined) {
        C.values[path] = String(field.default);
      }
    }
  }

  function initialApplies() {
    for (const paths of C.model.groups.values()) {
      for (const path of paths) {
        const value = Number(C.digits(C.values[path] === undefined ? "" : C.values[path]));
        C.applies[path] = value > 0;
      }
    }
  }

  function reportSize() {
    if (window.parent === window) return;
    window.parent.postMessage({ type: "hukou-calculator:hello" }, "*");
    const send = () => window.parent.postMessage({
      type: "hukou-calculator:size",
      height: Math.ceil(document.documentElement.getBoundingClientRect().height),
    }, "*");
    new ResizeObserver(send).observe(document.documentElement);
    send();
  }

  async function start() {
    $("switch-language").addEventListener("click", switchLanguage);
    $("form").addEventListener("submit", (event) => { event.preventDefault(); update(); });
    reportSize();
    try {
      const response = await fetch(`/v1/policies/${encodeURIComponent(C.city)}`);
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      C.policyRef = answer.policy;
      C.doc = answer.document || {};
      C.model = C.buildModel(answer.form, C.doc);
      C.byPath = C.model.fields;
      $("model-banner").hidden = C.doc.official !== false;
    } catch (error) {
      status(t("unavailable"), "problem");
      state("unavailable");
      return;
    }
    initialValues();
    prefill();
    initialApplies();
    applyLanguage();
    C.buildForm();
    update();
  }

  start();
})();
