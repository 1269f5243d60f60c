// The calculator's form: the controls for each question of the model (calc_model.js),
// in its sections, with the date each duration counts to, a start date to work a count
// out from, "which of these apply" for kinds of a count, and test marks not taken yet.
(() => {
  "use strict";

  const C = window.HukouCalculator;
  const $ = (id) => document.getElementById(id);
  const el = (...args) => C.el(...args);
  const idOf = (path) => C.idOf(path);
  const raw = (path) => C.values[path];
  const isMark = (field) => C.isMark(field);
  const durationWords = (path) => C.durationWords(path);

  // ---- building the controls --------------------------------------------------------

  function unitWords(field) {
    if (isMark(field)) return C.t("mark_unit", { max: C.number(field.max === undefined ? 100 : field.max) });
    return field.unit ? C.t("unit." + field.unit) : "";
  }

  // The label, with the date a duration counts to on a line of its own (a label may end
  // in a bracket of its own: a second one would read as doubled).
  function labelFor(field, forId) {
    const label = el("label", { for: forId, class: "label" }, C.words(field.label));
    const during = durationWords(field.path);
    if (during) label.append(el("span", { class: "counts-to", text: during }));
    if (field.required && field.type !== "boolean" && !field.accrual_group) {
      // Chinese runs on without a space; the badge's margin sets it apart on screen.
      if (C.lang !== "zh") label.append(" ");
      label.append(el("span", { class: "req", text: C.t("required") }));
    }
    return label;
  }

  // A unit the label does not already say, written after the control.
  function unitAfter(field) {
    if (durationWords(field.path)) return null;
    const unit = unitWords(field);
    return unit ? el("span", { class: "unit", id: idOf(field.path) + "-unit", text: unit }) : null;
  }

  function described(field, control, extra) {
    const ids = [...(extra || [])];
    if (!durationWords(field.path) && unitWords(field)) ids.push(idOf(field.path) + "-unit");
    if (field.help || isMark(field)) ids.push(idOf(field.path) + "-help");
    ids.push(idOf(field.path) + "-error");
    control.setAttribute("aria-describedby", ids.join(" "));
  }

  function select(id, options, current, placeholder) {
    const node = el("select", { id, name: id });
    if (placeholder !== null) node.append(el("option", { value: "", text: placeholder }));
    for (const option of options) {
      node.append(el("option", { value: option.value, text: C.words(option.label) }));
    }
    node.value = current || "";
    return node;
  }

  function scalarControl(field) {
    const id = idOf(field.path);
    const current = raw(field.path);
    let control;
    if (field.type === "enum") {
      control = select(id, field.values, current,
        field.required ? C.t("choose") : C.t("not_applicable"));
      if (field.required) control.setAttribute("aria-required", "true");
    } else if (field.type === "date") {
      control = el("input", { id, name: id, type: "date", required: field.required });
      control.value = current || "";
    } else {
      control = el("input", {
        id, name: id, type: "text", required: field.required,
        inputmode: field.type === "integer" ? "numeric" : "decimal",
      });
      control.value = current === undefined || current === null ? "" : current;
    }
    control.addEventListener(field.type === "enum" ? "change" : "input", () => {
      C.values[field.path] = control.value;
      C.changed();
    });
    return control;
  }

  function startHelper(field) {
    const id = idOf(field.path) + "-start";
    const input = el("input", { id, type: "date" });
    input.value = C.starts[field.path] || "";
    const result = el("p", { class: "start-result", id: id + "-result" });
    const update = () => {
      const start = input.value;
      C.starts[field.path] = start;
      const to = C.countsTo(field.path);
      if (!C.parseDay(start) || start > to) {
        result.textContent = "";
        return;
      }
      const months = C.completedMonths(start, to);
      const n = field.unit === "month" ? months : Math.floor(months / 12);
      C.values[field.path] = String(n);
      const target = $(idOf(field.path));
      if (target) target.value = String(n);
      result.textContent = C.t(field.unit === "month" ? "start_result_month" : "start_result_year",
        { n: C.number(n), date: C.day(to) });
      C.changed();
    };
    input.addEventListener("input", update);
    input.setAttribute("aria-describedby", result.id);
    const details = el("details", { class: "from-start" },
      el("summary", { text: C.t("from_start") }),
      el("label", { for: id, text: C.t("start_label") }), input, result);
    if (C.starts[field.path]) {
      details.open = true;
      queueMicrotask(update);
    }
    return details;
  }

  function booleanField(field, wrap) {
    const id = idOf(field.path);
    const box = el("input", { id, name: id, type: "checkbox" });
    box.checked = raw(field.path) === true;
    box.addEventListener("change", () => {
      C.values[field.path] = box.checked;
      C.changed();
    });
    described(field, box);
    wrap.classList.add("check");
    wrap.append(box, el("label", { for: id, class: "label" }, C.words(field.label)));
  }

  function recordsField(field, wrap) {
    const id = idOf(field.path);
    const rows = raw(field.path) || (C.values[field.path] = []);
    const set = el("fieldset", { id, class: "records" },
      el("legend", { class: "label", text: C.words(field.label) }));
    set.setAttribute("aria-describedby", `${id}-help ${id}-error`);
    const list = el("ol", { class: "record-list" });
    if (!rows.length) list.append(el("li", { class: "empty", text: C.t("no_records") }));
    rows.forEach((row, i) => {
      const base = `${id}-${i}`;
      const name = C.t("record_n", { n: i + 1 });
      const kind = select(`${base}-kind`, field.kinds || [], row.kind, C.t("choose"));
      const date = el("input", { id: `${base}-date`, type: "date" });
      date.value = row.date || "";
      const pending = el("p", { class: "pending", id: `${base}-pending` });
      const showPending = () => {
        pending.textContent = row.kind && row.date ? "" : C.t("record_incomplete");
      };
      kind.addEventListener("change", () => { row.kind = kind.value; showPending(); C.changed(); });
      date.addEventListener("input", () => { row.date = date.value; showPending(); C.changed(); });
      showPending();
      const remove = el("button", { type: "button", class: "secondary", id: `${base}-remove`,
        "aria-label": `${C.t("remove_record")}: ${name}`, text: C.t("remove_record") });
      remove.addEventListener("click", () => {
        rows.splice(i, 1);
        C.rebuildField(field, `${id}-add`);
        C.changed();
      });
      const kindError = el("p", { class: "error", id: `${base}-kind-error` });
      const dateError = el("p", { class: "error", id: `${base}-date-error` });
      kind.setAttribute("aria-describedby", `${kindError.id} ${pending.id}`);
      date.setAttribute("aria-describedby", `${dateError.id} ${pending.id}`);
      list.append(el("li", { class: "record" },
        el("span", { class: "record-name", text: name }),
        el("label", { for: kind.id, text: `${C.t("record_kind")}${C.lang === "zh" ? "（" + name + "）" : " (" + name + ")"}` }),
        kind, kindError,
        el("label", { for: date.id, text: `${C.t("record_date")}${C.lang === "zh" ? "（" + name + "）" : " (" + name + ")"}` }),
        date, dateError, pending, remove));
    });
    const add = el("button", { type: "button", id: `${id}-add`, class: "secondary",
      "aria-label": `${C.t("add_record")}: ${C.words(field.label)}`, text: C.t("add_record") });
    add.addEventListener("click", () => {
      rows.push({ kind: "", date: "" });
      C.rebuildField(field, `${id}-${rows.length - 1}-kind`);
      C.changed();
    });
    set.append(list, add);
    wrap.append(set);
  }

  function markControls(field, wrap, control) {
    const id = idOf(field.path) + "-not-taken";
    const box = el("input", { id, type: "checkbox" });
    box.checked = C.notTaken[field.path] === true;
    control.disabled = box.checked;
    box.addEventListener("change", () => {
      C.notTaken[field.path] = box.checked;
      control.disabled = box.checked;
      note.hidden = !box.checked;
      C.changed();
    });
    const note = el("p", { class: "help", id: id + "-note", text: C.t("not_taken_note") });
    note.hidden = !box.checked;
    box.setAttribute("aria-describedby", note.id);
    wrap.append(el("div", { class: "check not-taken" }, box,
      el("label", { for: id, text: C.t("not_taken") })), note);
  }

  C.buildField = (field) => {
    const wrap = el("div", { class: "field", "data-path": field.path });
    let control = null;
    if (field.type === "boolean") booleanField(field, wrap);
    else if (field.type === "records") recordsField(field, wrap);
    else {
      control = scalarControl(field);
      described(field, control);
      const unit = field.type === "enum" || field.type === "date" ? null : unitAfter(field);
      wrap.append(labelFor(field, control.id),
        unit ? el("div", { class: "with-unit" }, control, unit) : control);
    }
    const help = field.type === "records" ? C.t("records_help")
      : [C.words(field.help), isMark(field) ? C.t("mark_note") : ""].filter(Boolean).join(" ");
    if (help) wrap.append(el("p", { class: "help", id: idOf(field.path) + "-help", text: help }));
    const age = C.model.ageFacts.find((f) => f.from === field.path);
    if (age) {
      wrap.append(el("p", { class: "help age-on", text: C.t("age_on",
        { date: C.day(C.referenceDate(C.asOf(), C.model.referenceDates[age.on])) }) }));
    }
    if (control && isMark(field)) markControls(field, wrap, control);
    if (control && field.accrues && (field.unit === "month" || field.unit === "year")) {
      wrap.append(startHelper(field));
    }
    wrap.append(el("p", { class: "error", id: idOf(field.path) + "-error" }));
    wrap.hidden = !C.visible(field.path);
    return wrap;
  };

  C.rebuildField = (field, focusId) => {
    const old = document.querySelector(`.field[data-path="${CSS.escape(field.path)}"]`);
    old.replaceWith(C.buildField(field));
    C.showErrors();
    const target = focusId && $(focusId);
    if (target) target.focus();
  };

  // "Which of these apply to you?" for counts of which a person has some kinds only.
  function appliesQuestion(group, paths) {
    const id = "applies-" + group.replace(/[^A-Za-z0-9_-]/g, "-");
    const set = el("fieldset", { class: "applies", id, "data-group": group },
      el("legend", { class: "label", text: C.t("applies_legend") }));
    for (const path of paths) {
      const field = C.model.fields.get(path);
      const box = el("input", { type: "checkbox", id: idOf(path) + "-applies" });
      box.checked = C.applies[path] === true;
      box.addEventListener("change", () => {
        C.applies[path] = box.checked;
        C.changed();
      });
      set.append(el("div", { class: "check", "data-applies": path }, box,
        el("label", { for: box.id, text: C.words(field.label) })));
    }
    set.append(el("p", { class: "help", text: C.t("applies_hint") }));
    return set;
  }

  C.sectionTitle = (section) => (section.title ? C.words(section.title)
    : C.t("section." + section.id));

  C.buildForm = () => {
    const form = $("form");
    const parts = [];
    C.visibleMemo = new Map();
    for (const section of C.model.sections) {
      const heading = `section-${section.id}`;
      const node = el("section", { class: "form-section", "data-section": section.id,
        "aria-labelledby": heading });
      node.append(el("h3", { id: heading, class: "section-title" },
        el("span", { text: C.sectionTitle(section) }),
        el("span", { class: "subtotal", id: `${heading}-subtotal` })));
      const asked = new Set();
      for (const path of section.paths) {
        const field = C.model.fields.get(path);
        const group = field.accrual_group;
        if (group && C.model.groups.has(group) && !asked.has(group)) {
          asked.add(group);
          node.append(appliesQuestion(group, C.model.groups.get(group)
            .filter((p) => section.paths.includes(p))));
        }
        node.append(C.buildField(field));
      }
      parts.push(node);
    }
    form.replaceChildren(...parts);
    C.showErrors();
  };

  // After every change: which questions apply, and the dates durations count to.
  C.refreshForm = () => {
    C.visibleMemo = new Map();
    for (const node of document.querySelectorAll("#form .field[data-path]")) {
      node.hidden = !C.visible(node.dataset.path);
    }
    for (const node of document.querySelectorAll("#form [data-applies]")) {
      const path = node.dataset.applies;
      const field = C.model.fields.get(path);
      node.hidden = field.at_most ? C.sendValue(field.at_most) === 0 : false;
    }
  };
})();
