// The calculator's words and formats: the page's own strings in both languages, numbers
// and dates for the language, the policy's reference dates, exact sums of the API's
// points, and the API's field errors said in the page's words (never a field id or a
// phrase of the API's own).
(() => {
  "use strict";

  const C = (window.HukouCalculator = window.HukouCalculator || {});
  const body = document.body;
  C.lang = body.dataset.lang === "en" ? "en" : "zh";
  C.STRINGS = JSON.parse(document.getElementById("calculator-strings").textContent);
  C.TITLES = JSON.parse(document.getElementById("calculator-titles").textContent);

  C.t = (key, params) => {
    let text = C.STRINGS[C.lang][key];
    if (text === undefined) text = C.STRINGS.zh[key] !== undefined ? C.STRINGS.zh[key] : "";
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  };

  C.el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  C.idOf = (path) => "f-" + path.replace(/[^A-Za-z0-9_-]/g, "-");

  C.words = (pair) => (pair ? pair[C.lang] || pair.zh || pair.en || "" : "");
  C.locale = () => (C.lang === "zh" ? "zh-CN" : "en-GB");

  C.number = (value, signed) => new Intl.NumberFormat(C.locale(), {
    maximumFractionDigits: 4,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(value);

  // ---- dates (UTC calendar days, ISO text in and out) -----------------------------

  C.parseDay = (iso) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!match) return null;
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCMonth() === m - 1 ? { y, m, d } : null;
  };
  C.isoOf = ({ y, m, d }) =>
    `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  C.day = (iso) => {
    const p = C.parseDay(iso);
    if (!p) return iso;
    return new Intl.DateTimeFormat(C.locale(), {
      year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
    }).format(new Date(Date.UTC(p.y, p.m - 1, p.d)));
  };
  C.today = () => {
    const now = new Date();
    return C.isoOf({ y: now.getFullYear(), m: now.getMonth() + 1, d: now.getDate() });
  };
  const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  C.shiftYears = (iso, years) => {
    const p = C.parseDay(iso);
    const y = p.y + years;
    if (p.m === 2 && p.d === 29 && daysIn(y, 2) === 28) return C.isoOf({ y, m: 3, d: 1 });
    return C.isoOf({ y, m: p.m, d: p.d });
  };
  // Whole months from start to on (0 when on is before start), as the service counts.
  C.completedMonths = (start, on) => {
    const a = C.parseDay(start), b = C.parseDay(on);
    const months = (b.y - a.y) * 12 + b.m - a.m - (b.d < a.d ? 1 : 0);
    return Math.max(months, 0);
  };
  // A named reference date of the policy (reference_dates), for an application on as_of.
  C.referenceDate = (asOf, rule) => {
    if (!rule) return asOf;
    const p = C.parseDay(asOf);
    let r = rule;
    if (r.half_year) r = r.half_year[p.m <= 6 ? "first" : "second"];
    const y = p.y + (r.year_offset || 0);
    return C.isoOf({ y, m: r.month, d: Math.min(r.day, daysIn(y, r.month)) });
  };

  // ---- exact sums of the API's points ("61/24", "30.75", "-30") ------------------

  const gcd = (a, b) => {
    a = a < 0n ? -a : a;
    b = b < 0n ? -b : b;
    while (b) [a, b] = [b, a % b];
    return a || 1n;
  };
  C.fraction = (text) => {
    const s = String(text);
    if (s.includes("/")) {
      const [n, d] = s.split("/");
      return [BigInt(n), BigInt(d)];
    }
    const [whole, frac = ""] = s.split(".");
    const scale = 10n ** BigInt(frac.length);
    const sign = whole.startsWith("-") ? -1n : 1n;
    return [BigInt(whole) * scale + sign * BigInt(frac || "0"), scale];
  };
  C.addFractions = (list) => {
    let [n, d] = [0n, 1n];
    for (const [a, b] of list) {
      [n, d] = [n * b + a * d, d * b];
      const g = gcd(n, d);
      [n, d] = [n / g, d / g];
    }
    return [n, d];
  };
  // A fraction rounded as the policy rounds its total (half up to `places`), as a number.
  C.rounded = ([n, d], rounding) => {
    const places = rounding && Number.isInteger(rounding.places) ? rounding.places : 4;
    const scale = 10n ** BigInt(places);
    const scaled = n * scale;
    const negative = scaled < 0n;
    const magnitude = negative ? -scaled : scaled;
    let q = magnitude / d;
    if ((magnitude % d) * 2n >= d) q += 1n;
    return Number(negative ? -q : q) / Number(scale);
  };

  // ---- the API's field errors, in the page's words -------------------------------

  // Each pattern is one of the service's English field errors (the page always asks for
  // them in English, the reference wording) and says it again for a person, with the
  // label of any field it names. Anything unknown gets a plain request to check the entry.
  const PATTERNS = [
    [/^Missing data for required field\.$/, () => C.t("err.required")],
    [/^Field may not be null\.$/, () => C.t("err.required")],
    [/^Not a whole number\.$/, () => C.t("err.whole")],
    [/^Not a number\.$/, () => C.t("err.number")],
    [/^Not true or false\.$/, () => C.t("err.yes_no")],
    [/^Not a date in the form YYYY-MM-DD\.$/, () => C.t("err.date")],
    [/^Must be one of: .*\.$/, () => C.t("err.choice")],
    [/^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$/,
      (m) => C.t("err.range", { min: C.number(Number(m[1])), max: C.number(Number(m[2])) })],
    [/^Must be between (\S+) and (\S+)\.$/,
      (m) => C.t("err.range", { min: C.number(Number(m[1])), max: C.number(Number(m[2])) })],
    [/^Must be greater than or equal to (\S+)\.$/,
      (m) => C.t("err.min", { min: C.number(Number(m[1])) })],
    [/^Must be less than or equal to (\S+)\.$/,
      (m) => C.t("err.max", { max: C.number(Number(m[1])) })],
    [/^Is after (?:as_of|today) \((\S+)\)\.$/, (m) => C.t("err.future", { date: C.day(m[1]) })],
    [/^Is before (\S+) \((\S+)\)\.$/,
      (m) => C.t("err.before", { label: C.labelOf(m[1]), date: C.day(m[2]) })],
    [/^Is more than the (\d+) months since the applicant turned \d+\.$/,
      (m) => C.t("err.life_months", { n: C.number(Number(m[1])), date: C.day(C.asOf()) })],
    [/^Is more than (\S+) \((\S+)\)\.$/,
      (m) => C.t("err.more_than", { label: C.labelOf(m[1]), value: C.number(Number(m[2])) })],
  ];

  C.explain = (message) => {
    for (const [pattern, say] of PATTERNS) {
      const match = pattern.exec(String(message));
      if (match) return say(match);
    }
    return C.t("err.other");
  };

  // A field's label for an error naming it; a name the form does not know stays unsaid.
  C.labelOf = (path) => {
    const field = C.byPath && C.byPath.get(path);
    return field ? C.words(field.label) : C.t("err.other").replace(/[。.]$/, "");
  };
})();
