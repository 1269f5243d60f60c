// What the calculator asks, derived from the policy the API serves: its sections
// (conditions to apply first, records last), which questions apply given the answers so
// far (and what a question that does not apply sends: what it always meant), the date
// each duration counts to, and the checks a person should hear about at the field before
// anything is sent. It decides what to ask, never what anything scores.
(() => {
  "use strict";

  const C = window.HukouCalculator;
  const SKIP = new Set(["label", "reason", "source", "notes", "confidence", "choice", "id",
    "help", "title", "words"]);
  const WORKING_AGE = 16;

  // ---- what the policy reads, and where ----------------------------------------

  // Every field or fact name a rule mentions; keys of `when` rows past the first (the
  // row's leading field) are collected apart, as fields that only refine a choice.
  function mentions(node, out, refining) {
    if (Array.isArray(node)) {
      for (const item of node) mentions(item, out, refining);
    } else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (SKIP.has(key)) continue;
        if (key === "rows" && Array.isArray(value)) {
          value.forEach((row) => {
            const keys = Object.keys(row.when || {});
            keys.forEach((k, i) => (i === 0 ? out : refining).add(k));
            mentions(row.points, out, refining);
          });
          continue;
        }
        mentions(value, out, refining);
      }
    } else if (typeof node === "string") {
      out.add(node);
    }
  }

  // The fields behind field and fact names; `leading` leaves out the fields that only
  // refine a row of a fact's lookup.
  function resolve(names, facts, fields, leading = false, seen = new Set()) {
    const found = new Set();
    for (const name of names) {
      if (fields.has(name)) found.add(name);
      else if (facts[name] && !seen.has(name)) {
        seen.add(name);
        const inner = new Set();
        mentions(facts[name], inner, leading ? new Set() : inner);
        for (const f of resolve(inner, facts, fields, leading, seen)) found.add(f);
      }
    }
    return found;
  }

  // The lookups with rows (in criteria, their alternatives, and facts): which values of
  // a row's leading field make a refining field (a later key of its rows) apply.
  function refiners(doc) {
    const out = new Map(); // refining path -> [{leader, values: Set}]
    const visit = (node) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === "object") {
        if (Array.isArray(node.rows)) {
          for (const row of node.rows) {
            const keys = Object.keys(row.when || {});
            keys.slice(1).forEach((key) => {
              const list = out.get(key) || [];
              let entry = list.find((e) => e.leader === keys[0]);
              if (!entry) list.push((entry = { leader: keys[0], values: new Set() }));
              entry.values.add(row.when[keys[0]]);
              out.set(key, list);
            });
          }
        }
        for (const [key, value] of Object.entries(node)) if (!SKIP.has(key)) visit(value);
      }
    };
    visit(doc.criteria || []);
    visit(doc.facts || {});
    return out;
  }

  function maxPointsOf(rule) {
    const kind = rule.kind;
    if (kind === "flag" || kind === "per_item" || kind === "per_unit") {
      if (kind === "flag") return rule.points;
      return rule.points < 0 ? rule.points : rule.cap !== undefined ? rule.cap : Infinity;
    }
    if (kind === "lookup") {
      const values = rule.rows ? rule.rows.map((r) => r.points)
        : Object.values(rule.table || {});
      return Math.max(0, ...values);
    }
    if (kind === "bands") return Math.max(...rule.bands.map((b) => b.points));
    if (kind === "best_of") return Math.max(...rule.of.map(maxPointsOf));
    if (kind === "only_if") return maxPointsOf(rule.then);
    if (kind === "per_unit_tiers") return rule.cap !== undefined ? rule.cap : Infinity;
    return Infinity;
  }
  C.maxPointsOf = maxPointsOf;

  // Sections, readers and conditions of the policy's form: made once per policy.
  C.buildModel = (form, doc) => {
    const fields = new Map(form.map((f) => [f.path, Object.assign({},
      (doc.fields || {})[f.path] || {}, f)]));
    const facts = doc.facts || {};
    const readsOf = (rule) => {
      const names = new Set();
      mentions(rule, names, names);
      return resolve(names, facts, fields);
    };
    const gateReads = new Set();
    for (const gate of doc.gates || []) for (const p of readsOf(gate)) gateReads.add(p);
    // A criterion's questions, the one it counts (its `input`) first.
    const criteria = (doc.criteria || []).map((c) => {
      const main = typeof c.input === "string" ? [...resolve(new Set([c.input]), facts, fields)]
        : [];
      const all = readsOf(c);
      const rest = form.map((f) => f.path).filter((p) => all.has(p) && !main.includes(p));
      return { id: c.id, label: c.label, group: c.group || null, rule: c,
        reads: [...main, ...rest], deduction: maxPointsOf(c) <= 0 };
    });
    const readers = new Map(form.map((f) => [f.path, []]));
    for (const c of criteria) for (const p of c.reads) readers.get(p).push(c);

    const placed = new Map();
    const sections = [];
    const add = (id, title, paths) => {
      const mine = paths.filter((p) => !placed.has(p));
      if (!mine.length) return;
      mine.forEach((p) => placed.set(p, id));
      sections.push({ id, title, paths: mine, criteria: [] });
    };
    const records = form.filter((f) => f.type === "records").map((f) => f.path);
    const ageFields = Object.values(facts).filter((f) => f.kind === "age").map((f) => f.from);
    const deductionOnly = form.map((f) => f.path).filter((p) => !gateReads.has(p)
      && readers.get(p).length && readers.get(p).every((c) => c.deduction));
    add("eligibility", null, form.map((f) => f.path).filter((p) =>
      (gateReads.has(p) || ageFields.includes(p)) && !records.includes(p)));
    add("time", null, form.map((f) => f.path).filter((p) => fields.get(p).accrues
      && !deductionOnly.includes(p) && !readers.get(p).some((c) => c.group)));
    // Policy groups, then criteria asking several questions, each a section of its own,
    // in the order of their first question.
    const named = [];
    for (const group of doc.groups || []) {
      const paths = criteria.filter((c) => c.group === group.id).flatMap((c) => c.reads);
      named.push({ id: "group-" + group.id, title: group.label, paths });
    }
    for (const c of criteria) {
      const free = c.reads.filter((p) => !placed.has(p) && !records.includes(p)
        && !deductionOnly.includes(p));
      if (free.length >= 2 && !c.deduction) named.push({ id: "criterion-" + c.id, title: c.label, paths: free });
    }
    const order = (s) => Math.min(...s.paths.map((p) => form.findIndex((f) => f.path === p)));
    named.sort((a, b) => order(a) - order(b)).forEach((s) => add(s.id, s.title, s.paths));
    add("other", null, form.map((f) => f.path).filter((p) => !records.includes(p)
      && !deductionOnly.includes(p)));
    add("records", null, [...new Set([...deductionOnly, ...records])].sort((a, b) =>
      form.findIndex((f) => f.path === a) - form.findIndex((f) => f.path === b)));
    const left = form.map((f) => f.path).filter((p) => !placed.has(p));
    if (left.length) { // anything not placed yet, so that nothing is lost
      const other = sections.find((s) => s.id === "other");
      if (other) left.forEach((p) => { other.paths.push(p); placed.set(p, "other"); });
      else add("other", null, left);
    }
    for (const c of criteria) {
      const home = c.reads.length ? placed.get(c.reads[0]) : "other";
      const section = sections.find((s) => s.id === home) || sections[sections.length - 1];
      section.criteria.push(c.id);
    }

    const groups = new Map(); // accrual group -> its fields, where a group has several
    for (const f of form) {
      const name = fields.get(f.path).accrual_group;
      if (name) groups.set(name, [...(groups.get(name) || []), f.path]);
    }
    for (const [name, paths] of groups) if (paths.length < 2) groups.delete(name);

    const capped = new Map(); // field -> the lookup fact that caps the units it counts
    for (const c of criteria) {
      const cap = c.rule.max_units && c.rule.max_units.fact;
      if (cap && facts[cap] && Array.isArray(facts[cap].rows) && c.rule.input) {
        capped.set(c.rule.input, facts[cap]);
      }
    }
    for (const [path] of capped) {
      const capOnly = !gateReads.has(path) && readers.get(path).every((c) =>
        c.rule.max_units && c.rule.max_units.fact);
      if (!capOnly) capped.delete(path);
    }
    const refining = refiners(doc);
    const readAnywhere = new Set(gateReads);
    for (const c of criteria) {
      const names = new Set();
      mentions(c.rule, names, new Set());
      for (const p of resolve(names, facts, fields, true)) readAnywhere.add(p);
    }
    for (const [path] of refining) if (readAnywhere.has(path)) refining.delete(path);

    const ageFacts = Object.values(facts).filter((f) => f.kind === "age" && f.on !== "as_of");
    return { fields, sections, groups, capped, refining, placed, criteria, ageFacts,
      referenceDates: doc.reference_dates || {}, rounding: doc.rounding || null };
  };

  // ---- what is asked now --------------------------------------------------------

  const isMark = (field) => field.unit === "point" && field.type === "number";
  C.isMark = isMark;
  const raw = (path) => C.values[path];
  const blank = (value) => value === undefined || value === null || String(value).trim() === "";

  // The value of a hidden question, sent so that the request means what it always did:
  // its default, else nothing for a count (0), false for a yes/no.
  function hiddenValue(field) {
    if (field.default !== null && field.default !== undefined) return field.default;
    if (field.type === "integer" || field.type === "number") return Math.max(0, field.min || 0);
    if (field.type === "boolean") return false;
    if (field.type === "records") return [];
    return undefined;
  }

  function rowMatches(row) {
    return Object.entries(row.when || {}).every(([path, wanted]) => {
      const field = C.model.fields.get(path);
      if (!field) return false;
      const value = C.sendValue(path);
      if (field.type === "boolean") return (value === true) === (wanted === true);
      return value === wanted;
    });
  }

  // Whether a question applies, given the answers so far (memoised per evaluation).
  C.visible = (path, memo = C.visibleMemo || (C.visibleMemo = new Map())) => {
    if (memo.has(path)) return memo.get(path);
    memo.set(path, true); // a cycle, if one were ever declared, shows the question
    const model = C.model;
    const field = model.fields.get(path);
    let shown = true;
    if (field.accrual_group && model.groups.has(field.accrual_group)) {
      shown = C.applies[path] === true;
    }
    if (shown && field.at_most && model.fields.has(field.at_most)) {
      const bound = C.sendValue(field.at_most);
      if (bound === 0) shown = false;
    }
    if (shown && model.refining.has(path)) {
      shown = model.refining.get(path).some((r) => r.values.has(C.sendValue(r.leader)));
    }
    if (shown && model.capped.has(path)) {
      shown = model.capped.get(path).rows.some(rowMatches);
    }
    memo.set(path, shown);
    return shown;
  };

  // What the request carries for a question: the typed value (numbers as numbers when
  // they read as numbers), or for a question that does not apply, its hidden value.
  C.sendValue = (path) => {
    const field = C.model.fields.get(path);
    if (!C.visible(path)) return hiddenValue(field);
    if (isMark(field) && C.notTaken[path]) return Math.max(0, field.min || 0);
    const value = raw(path);
    if (field.type === "boolean") return value === true;
    if (field.type === "records") return C.recordsSent(path).records;
    if (blank(value)) return undefined;
    if (field.type === "integer" || field.type === "number") {
      const text = C.digits(value);
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    }
    return value;
  };

  // Full-width digits from a Chinese input method count as digits.
  C.digits = (value) => String(value).trim().replace(/[０-９．－]/g,
    (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

  // Rows of a record list are sent once complete; an unfinished row waits, unflagged.
  C.recordsSent = (path) => {
    const rows = raw(path) || [];
    const records = [], index = [];
    rows.forEach((row, i) => {
      if (row.kind && row.date) {
        records.push({ kind: row.kind, date: row.date });
        index.push(i);
      }
    });
    return { records, index };
  };

  // ---- durations: the date each count runs to -----------------------------------

  C.countsTo = (path) => {
    const field = C.model.fields.get(path);
    if (!field.accrues) return null;
    const rule = field.accrues === "as_of" ? null : C.model.referenceDates[field.accrues];
    return C.referenceDate(C.asOf(), rule);
  };

  C.durationWords = (path) => {
    const field = C.model.fields.get(path);
    const date = C.countsTo(path);
    if (!date || (field.unit !== "month" && field.unit !== "year")) return "";
    return C.t(field.unit === "month" ? "duration.month" : "duration.year", { date: C.day(date) });
  };

  // The longest a duration can be for this person: from their 16th birthday to the date
  // it counts to (a count with no such date, to the application date).
  function lifeLimit(path) {
    const field = C.model.fields.get(path);
    if (field.unit !== "month" && field.unit !== "year") return null;
    const born = C.sendValue(C.birthPath());
    if (!born || !C.parseDay(born) || born > C.asOf()) return null;
    const to = C.countsTo(path) || C.asOf();
    const months = C.completedMonths(C.shiftYears(born, WORKING_AGE), to);
    return { n: field.unit === "month" ? months : Math.floor(months / 12), to };
  }

  C.birthPath = () => {
    const fact = Object.values(C.doc.facts || {}).find((f) => f.kind === "age");
    return fact && C.model.fields.has(fact.from) ? fact.from : "birth_date";
  };

  // ---- checks at the field, before anything is sent -------------------------------

  C.check = () => {
    const errors = {};
    const put = (target, message) => (errors[target] || (errors[target] = [])).push(message);
    for (const [path, field] of C.model.fields) {
      if (!C.visible(path)) continue;
      if (field.type === "records") {
        (raw(path) || []).forEach((row, i) => {
          if (row.date && !C.parseDay(row.date)) put(`${path}#${i}#date`, C.t("err.date"));
          else if (row.date && row.date > C.asOf()) {
            put(`${path}#${i}#date`, C.t("err.future", { date: C.day(C.asOf()) }));
          }
        });
        continue;
      }
      if (field.type === "boolean" || field.type === "enum") continue;
      if (isMark(field) && C.notTaken[path]) continue;
      const value = raw(path);
      if (blank(value)) continue;
      if (field.type === "date") {
        if (!C.parseDay(value)) put(path, C.t("err.date"));
        else if (value > C.asOf()) put(path, C.t("err.future", { date: C.day(C.asOf()) }));
        else if (field.not_before && C.parseDay(raw(field.not_before))
          && value < raw(field.not_before)) {
          put(path, C.t("err.before", { label: C.labelOf(field.not_before),
            date: C.day(raw(field.not_before)) }));
        }
        continue;
      }
      const number = C.sendValue(path);
      if (typeof number !== "number") {
        put(path, C.t(field.type === "integer" ? "err.whole" : "err.number"));
        continue;
      }
      if (field.type === "integer" && !Number.isInteger(number)) {
        put(path, C.t("err.whole"));
        continue;
      }
      const low = field.min, high = field.max;
      if ((low !== undefined && number < low) || (high !== undefined && number > high)) {
        if (low !== undefined && high !== undefined) {
          put(path, C.t("err.range", { min: C.number(low), max: C.number(high) }));
        } else if (low !== undefined) put(path, C.t("err.min", { min: C.number(low) }));
        else put(path, C.t("err.max", { max: C.number(high) }));
        continue;
      }
      const limit = lifeLimit(path);
      if (limit && number > limit.n) {
        put(path, C.t(field.unit === "month" ? "err.life_months" : "err.life_years",
          { n: C.number(limit.n), date: C.day(limit.to) }));
        continue;
      }
      if (field.at_most && C.model.fields.has(field.at_most)) {
        const bound = C.sendValue(field.at_most);
        if (typeof bound === "number" && number > bound) {
          put(path, C.t("err.more_than", { label: C.labelOf(field.at_most),
            value: C.number(bound) }));
        }
      }
    }
    return errors;
  };

  // Required questions that apply and have no answer yet.
  C.missing = () => [...C.model.fields.values()].filter((f) => f.required
    && f.type !== "records" && f.type !== "boolean" && C.visible(f.path)
    && C.sendValue(f.path) === undefined);
})();
