"""Synthetic applicants drawn from per-city distributions declared in data.

Each city with a file `service/populations/<city>.yaml` declares how its applicants are
drawn: first a few values about the person that are not fields themselves (age, the
education that decides when work started, the years spent in the city), then one
distribution for every field its policy versions declare. The figures are assumptions
or rough public figures, not official statistics; each file says where each figure
comes from (`note:`, `source:`, `confidence:`). `expect:` gives the bounds a sample of
each numeric field should stay within (tests/test_synthetic.py holds them).

File format:

    city: beijing
    counted_to: {year_offset: -1, month: 12, day: 31}   # optional: months are counted
                                                        # to this date, not to as_of
    person:                  # drawn first, in order: values about the person; one
      gender: {...}          # named like a field (gender, education.level) is that field
      age: {kind: normal, mean: 38, sd: 6, min: 27, max: 59.9}
      ...
    fields:                  # drawn next, in order; a distribution may use any name
      birth_date: {kind: birth_date, from: age}      # drawn before it (person or field)
      ...

Kinds (every one also takes `absent: p`, the chance that the field is left out, and
the documentation keys `note`, `source`, `confidence`, `expect`):

    normal       mean, sd, min?, max?, decimals?
    lognormal    median, sigma, min?, max?, decimals?
    uniform      low, high, decimals?
    choice       weights: {value: weight}
    bernoulli    p                       true with probability p
    constant     value
    absent                               the field is left out
    same         as                      the value of an earlier name
    lookup       by, table: {key: value}
    given        by (a name or a list of names), cases: {key: distribution},
                 bands: [{below: x, then: distribution}], otherwise: distribution
    mixture      of: [{weight: w, then: distribution}]
    difference   of: [a, b], min?, max?  a - b (min, max: numbers or earlier names;
    product      of: [a, b], min?, max?  a * b  max applies last)
    months       years, rate: [lo, hi], p?, minus?, since?, not_above?
                 whole months of `years` (counted to `counted_to`) times a rate drawn
                 from [lo, hi]; with probability 1 - p, 0; at most the months since
                 `since` and at most each field in `not_above`; less `minus`
    years        of, rate: [lo, hi], p?  whole years: `of` times a rate
    share        of, share: [lo, hi], p?, minus?, decimals?
                 `of` times a share drawn from [lo, hi], less `minus`
    birth_date   from                    as_of less `from` years (an age)
    since        years, rate: [lo, hi], earliest?
                 the date `years` times a rate before as_of, not before `earliest`
    records      count: {n: weight}, kinds: {kind: weight}, years_ago: [lo, hi]

Keys of `cases` and `table` are values as text: `true`/`false` for booleans, `absent`
for a value left out, and for a list of names the values joined by ", ".

Whatever is drawn is then fitted to the field rules the applicant parser checks: each
number within the field's min and max (FieldSpec.max is the effective maximum), months
within working life, `at_most`, dates not after as_of nor before their `not_before`
field. A field the file does not declare (or declares with a value its policy does not
allow) falls back to service.population's name-based guess, fitted the same way.

Pure: no Flask, Redis or Prometheus.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from collections.abc import Callable
from pathlib import Path

import yaml

from service.policy.model import FieldSpec
from service.policy.paths import flatten, nest
from service.rules.dates import EARLIEST, completed_months, reference_date, shift_years

POPULATIONS_DIR = Path(__file__).resolve().parent / "populations"
WORKING_AGE = 16  # the applicant parser's working-life check counts from the 16th birthday
DOC_KEYS = {"note", "source", "confidence", "expect", "absent"}
ABSENT = object()  # a drawn "leave the field out"


class SyntheticDataInvalid(ValueError):
    """A data file that cannot be read: names the file and the entry."""


def key_of(value) -> str:
    """A value as the text that `cases` and `table` keys are written in."""
    if value is None or value is ABSENT:
        return "absent"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pair(value, where: str) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or value[0] > value[1]):
        raise SyntheticDataInvalid(f"{where}: expected [low, high] with low <= high")
    return float(value[0]), float(value[1])


def _weights(mapping, where: str) -> tuple[list, list[float]]:
    if not isinstance(mapping, dict) or not mapping:
        raise SyntheticDataInvalid(f"{where}: expected a mapping of value -> weight")
    values, weights = list(mapping), list(mapping.values())
    if any(not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0 for w in weights) \
            or sum(weights) <= 0:
        raise SyntheticDataInvalid(f"{where}: weights must be numbers >= 0, not all 0")
    return values, [float(w) for w in weights]


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SyntheticDataInvalid(f"{where}: not a date 'YYYY-MM-DD': {value!r}") from None


def _round(value: float, decimals):
    return value if decimals is None else round(value, int(decimals))


def _clip(value: float, low, high) -> float:
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


class Draw:
    """What one draw sees: the values drawn so far (person and fields) and the dates."""

    __slots__ = ("values", "as_of", "counted_to", "born")

    def __init__(self, as_of: dt.date, counted_to: dt.date):
        self.values: dict = {}
        self.as_of = as_of
        self.counted_to = counted_to
        self.born: dt.date | None = None

    def get(self, name: str):
        value = self.values.get(name)
        return 0 if value is None or value is ABSENT else value


Sampler = Callable[[random.Random, Draw], object]

KEYS = {
    "normal": {"mean", "sd", "min", "max", "decimals"},
    "lognormal": {"median", "sigma", "min", "max", "decimals"},
    "uniform": {"low", "high", "decimals"},
    "choice": {"weights"},
    "bernoulli": {"p"},
    "constant": {"value"},
    "absent": set(),
    "same": {"as"},
    "lookup": {"by", "table"},
    "given": {"by", "cases", "bands", "otherwise"},
    "mixture": {"of"},
    "difference": {"of", "min", "max"},
    "product": {"of", "min", "max"},
    "months": {"years", "rate", "p", "minus", "since", "not_above"},
    "years": {"of", "rate", "p"},
    "share": {"of", "share", "p", "minus", "decimals"},
    "birth_date": {"from"},
    "since": {"years", "rate", "earliest"},
    "records": {"count", "kinds", "years_ago"},
}
REQUIRED = {
    "normal": {"mean", "sd"}, "lognormal": {"median", "sigma"}, "uniform": {"low", "high"},
    "choice": {"weights"}, "bernoulli": {"p"}, "constant": {"value"}, "same": {"as"},
    "lookup": {"by", "table"}, "given": {"by"}, "mixture": {"of"}, "difference": {"of"},
    "product": {"of"}, "months": {"years"}, "years": {"of"}, "share": {"of", "share"},
    "birth_date": {"from"}, "since": {"years"}, "records": {"count", "kinds", "years_ago"},
}


def _chance(rng: random.Random, p) -> bool:
    return p is None or rng.random() < p


def compile_distribution(spec, where: str, known: set[str]) -> Sampler:
    """A sampler for one declared distribution; `known` holds the names drawn before."""
    if not isinstance(spec, dict) or "kind" not in spec:
        raise SyntheticDataInvalid(f"{where}: expected a mapping with a 'kind'")
    kind = spec["kind"]
    if kind not in KEYS:
        raise SyntheticDataInvalid(f"{where}: unknown kind {kind!r} (one of {sorted(KEYS)})")
    given = set(spec) - {"kind"}
    unknown = given - KEYS[kind] - DOC_KEYS
    if unknown:
        raise SyntheticDataInvalid(f"{where}: unknown keys {sorted(unknown)} for {kind} "
                                   f"(allowed: {sorted(KEYS[kind] | DOC_KEYS)})")
    missing = REQUIRED.get(kind, set()) - given
    if missing:
        raise SyntheticDataInvalid(f"{where}: {kind} needs {sorted(missing)}")

    def name(ref, label: str) -> str:
        if not isinstance(ref, str) or ref not in known:
            raise SyntheticDataInvalid(f"{where}.{label}: {ref!r} is not a name drawn before")
        return ref

    def probability(label: str = "p"):
        p = spec.get(label)
        if p is not None and (not isinstance(p, (int, float)) or isinstance(p, bool)
                              or not 0 <= p <= 1):
            raise SyntheticDataInvalid(f"{where}.{label}: a probability in [0, 1]")
        return p

    sampler = _sampler(kind, spec, where, known, name, probability)
    absent = probability("absent")
    if absent:
        def maybe(rng, draw, inner=sampler):
            return ABSENT if rng.random() < absent else inner(rng, draw)
        return maybe
    return sampler


def _sampler(kind, spec, where, known, name, probability) -> Sampler:  # noqa: C901
    low, high, decimals = spec.get("min"), spec.get("max"), spec.get("decimals")
    if kind == "normal":
        mean, sd = float(spec["mean"]), float(spec["sd"])
        return lambda rng, draw: _round(_clip(rng.gauss(mean, sd), low, high), decimals)
    if kind == "lognormal":
        mu, sigma = math.log(float(spec["median"])), float(spec["sigma"])
        return lambda rng, draw: _round(_clip(rng.lognormvariate(mu, sigma), low, high),
                                        decimals)
    if kind == "uniform":
        a, b = float(spec["low"]), float(spec["high"])
        return lambda rng, draw: _round(rng.uniform(a, b), decimals)
    if kind == "choice":
        values, weights = _weights(spec["weights"], f"{where}.weights")
        return lambda rng, draw: rng.choices(values, weights)[0]
    if kind == "bernoulli":
        p = probability()
        return lambda rng, draw: rng.random() < p
    if kind == "constant":
        value = spec["value"]
        return lambda rng, draw: value
    if kind == "absent":
        return lambda rng, draw: ABSENT
    if kind == "same":
        ref = name(spec["as"], "as")
        return lambda rng, draw: draw.values.get(ref)
    if kind == "lookup":
        ref = name(spec["by"], "by")
        table = {key_of(k): v for k, v in (spec["table"] or {}).items()}

        def lookup(rng, draw):
            found = key_of(draw.values.get(ref))
            if found not in table:
                raise SyntheticDataInvalid(f"{where}.table: no entry for {found!r}")
            return table[found]
        return lookup
    if kind == "given":
        return _given(spec, where, known, name)
    if kind == "mixture":
        parts = spec["of"]
        if not isinstance(parts, list) or not parts:
            raise SyntheticDataInvalid(f"{where}.of: a list of {{weight, then}}")
        weights = [float(p.get("weight", 0)) for p in parts]
        samplers = [compile_distribution(p.get("then"), f"{where}.of.{i}.then", known)
                    for i, p in enumerate(parts)]
        return lambda rng, draw: rng.choices(samplers, weights)[0](rng, draw)
    if kind in ("difference", "product"):
        of = spec["of"]
        if not isinstance(of, list) or len(of) != 2:
            raise SyntheticDataInvalid(f"{where}.of: two names")
        a, b = name(of[0], "of.0"), name(of[1], "of.1")
        # min and max: a number or an earlier name (max applies last, so it wins)
        floor = name(low, "min") if isinstance(low, str) else low
        ceiling = name(high, "max") if isinstance(high, str) else high

        def bound(draw, limit):
            return draw.get(limit) if isinstance(limit, str) else limit

        def combined(rng, draw):
            x, y = draw.get(a), draw.get(b)
            value = x - y if kind == "difference" else x * y
            return _clip(value, bound(draw, floor), bound(draw, ceiling))
        return combined
    if kind == "months":
        return _months(spec, where, name, probability)
    if kind == "years":
        of = name(spec["of"], "of")
        lo, hi = _pair(spec.get("rate", [1, 1]), f"{where}.rate")
        p = probability()

        def years(rng, draw):
            value = int(draw.get(of) * rng.uniform(lo, hi))
            return value if _chance(rng, p) else 0
        return years
    if kind == "share":
        of = name(spec["of"], "of")
        lo, hi = _pair(spec["share"], f"{where}.share")
        minus = name(spec["minus"], "minus") if "minus" in spec else None
        p = probability()

        def share(rng, draw):
            if not _chance(rng, p):
                return 0
            base = draw.get(of)
            value = base * rng.uniform(lo, hi) - (draw.get(minus) if minus else 0)
            value = max(value, 0)
            return int(value) if isinstance(base, int) else _round(value, decimals)
        return share
    if kind == "birth_date":
        ref = name(spec["from"], "from")

        def birth(rng, draw):
            born = draw.as_of - dt.timedelta(days=int(draw.get(ref) * 365.2425))
            draw.born = born
            return born
        return birth
    if kind == "since":
        ref = name(spec["years"], "years")
        lo, hi = _pair(spec.get("rate", [1, 1]), f"{where}.rate")
        earliest = _date(spec["earliest"], f"{where}.earliest") if "earliest" in spec else None

        def since(rng, draw):
            day = draw.as_of - dt.timedelta(days=int(draw.get(ref) * rng.uniform(lo, hi)
                                                     * 365.2425))
            if earliest is not None and day < earliest:
                day = min(earliest, draw.as_of)
            return day
        return since
    if kind == "records":
        counts, count_weights = _weights(spec["count"], f"{where}.count")
        kinds, kind_weights = _weights(spec["kinds"], f"{where}.kinds")
        lo, hi = _pair(spec["years_ago"], f"{where}.years_ago")

        def records(rng, draw):
            out = []
            for _ in range(int(rng.choices(counts, count_weights)[0])):
                day = draw.as_of - dt.timedelta(days=int(rng.uniform(lo, hi) * 365.2425))
                out.append({"date": day, "kind": rng.choices(kinds, kind_weights)[0]})
            return sorted(out, key=lambda r: r["date"])
        return records
    raise SyntheticDataInvalid(f"{where}: unknown kind {kind!r}")  # pragma: no cover


def _given(spec, where, known, name) -> Sampler:
    on = spec["by"]
    refs = [name(r, f"by.{i}") for i, r in enumerate(on)] if isinstance(on, list) \
        else [name(on, "by")]
    cases = {key_of(k): compile_distribution(v, f"{where}.cases.{k}", known)
             for k, v in (spec.get("cases") or {}).items()}
    bands = []
    for i, band in enumerate(spec.get("bands") or []):
        if not isinstance(band, dict) or set(band) != {"below", "then"}:
            raise SyntheticDataInvalid(f"{where}.bands.{i}: expected {{below, then}}")
        bands.append((float(band["below"]),
                      compile_distribution(band["then"], f"{where}.bands.{i}.then", known)))
    otherwise = compile_distribution(spec["otherwise"], f"{where}.otherwise", known) \
        if "otherwise" in spec else None

    def pick(rng, draw):
        values = [draw.values.get(r) for r in refs]
        found = cases.get(", ".join(key_of(v) for v in values))
        if found is None and bands and len(values) == 1:
            number = draw.get(refs[0])
            found = next((s for below, s in bands if number < below), None)
        if found is None:
            found = otherwise
        if found is None:
            raise SyntheticDataInvalid(f"{where}: no case for {[key_of(v) for v in values]}")
        return found(rng, draw)
    return pick


def _months(spec, where, name, probability) -> Sampler:
    years = name(spec["years"], "years")
    lo, hi = _pair(spec.get("rate", [1, 1]), f"{where}.rate")
    minus = name(spec["minus"], "minus") if "minus" in spec else None
    since = _date(spec["since"], f"{where}.since") if "since" in spec else None
    above = spec.get("not_above") or []
    if not isinstance(above, list):
        raise SyntheticDataInvalid(f"{where}.not_above: a list of names")
    not_above = [name(a, f"not_above.{i}") for i, a in enumerate(above)]
    p = probability()

    def months(rng, draw):
        gap = completed_months(draw.counted_to, draw.as_of)
        value = int(max(draw.get(years) * 12 - gap, 0) * rng.uniform(lo, hi))
        if not _chance(rng, p):
            return 0
        if since is not None:
            value = min(value, completed_months(since, draw.counted_to))
        for other in not_above:
            value = min(value, draw.get(other))
        return max(value - (draw.get(minus) if minus else 0), 0)
    return months


class Population:
    """One city's declared distributions, compiled."""

    def __init__(self, data: dict, file: str):
        if not isinstance(data, dict):
            raise SyntheticDataInvalid(f"{file}: expected a mapping")
        self.file = file
        self.city = data.get("city")
        self.data = data
        self.counted_to = data.get("counted_to")
        known: set[str] = set()
        self.samplers: list[tuple[str, Sampler]] = []
        # Person values named like a field (gender, education.level) are that field.
        self.specs: dict[str, dict] = {}
        for section in ("person", "fields"):
            entries = data.get(section) or {}
            if not isinstance(entries, dict):
                raise SyntheticDataInvalid(f"{file}: {section}: expected a mapping")
            for key, spec in entries.items():
                if key in known:
                    raise SyntheticDataInvalid(f"{file}: {section}.{key}: declared twice")
                where = f"{file}: {section}.{key}"
                self.samplers.append((key, compile_distribution(spec, where, known)))
                self.specs[key] = spec
                known.add(key)

    def problems(self, fields: dict[str, FieldSpec]) -> list[str]:
        """Why some of a policy's fields would fall back to the name-based guess."""
        out = []
        for path, spec in fields.items():
            declared = self.specs.get(path)
            if declared is None:
                out.append(f"{path}: no distribution declared in {self.file}")
                continue
            out.extend(f"{path}: {p}" for p in _mismatch(declared, spec))
        return out

    def usable(self, fields: dict[str, FieldSpec]) -> set[str]:
        return {p for p, s in fields.items()
                if p in self.specs and not _mismatch(self.specs[p], s)}

    def draw(self, rng: random.Random, fields: dict[str, FieldSpec], as_of: dt.date) -> dict:
        """One applicant with a value for each of `fields` (nested, as the API takes it)."""
        counted_to = reference_date(as_of, self.counted_to) if self.counted_to else as_of
        draw = Draw(as_of, min(counted_to, as_of))
        for key, sample in self.samplers:
            draw.values[key] = sample(rng, draw)
        usable = self.usable(fields)
        flat = {p: draw.values[p] for p in fields if p in usable}
        guessed = [p for p in fields if p not in usable]
        if guessed:
            from service.population import synthetic_applicant  # the name-based guess

            flat.update(flatten(synthetic_applicant(rng, {p: fields[p] for p in guessed},
                                                    as_of)))
        return nest(fit(flat, fields, as_of, draw.born))


def _mismatch(declared: dict, spec: FieldSpec) -> list[str]:
    """What in a declaration cannot give values of this field."""
    kind = declared.get("kind")
    out = []
    values = _possible_values(declared)
    if spec.type == "enum" and values is not None:
        bad = [v for v in values if v is not ABSENT and v not in (spec.values or {})]
        if bad:
            out.append(f"values {bad} are not among {list(spec.values or {})}")
    if spec.type == "boolean" and values is not None:
        if any(v is not ABSENT and not isinstance(v, bool) for v in values):
            out.append("declares values that are not true or false")
    if spec.type == "date" and kind not in ("birth_date", "since", "same", "absent"):
        out.append(f"a date field cannot be drawn by {kind}")
    if spec.type == "records":
        if kind != "records":
            out.append(f"a records field cannot be drawn by {kind}")
        else:
            bad = [k for k in declared["kinds"] if k not in (spec.kinds or {})]
            if bad:
                out.append(f"record kinds {bad} are not among {list(spec.kinds or {})}")
    if spec.type in ("integer", "number") and values is not None:
        if any(v is not ABSENT and (isinstance(v, bool) or not isinstance(v, (int, float)))
               for v in values):
            out.append("declares values that are not numbers")
    if "absent" in declared and spec.required and spec.default is None:
        out.append("may be left out but the field is required")
    return out


def _possible_values(declared: dict) -> list | None:
    """The values a categorical declaration can give (None: not categorical)."""
    kind = declared.get("kind")
    if kind == "choice":
        return list(declared["weights"])
    if kind == "bernoulli":
        return [True, False]
    if kind == "constant":
        return [declared["value"]]
    if kind == "absent":
        return [ABSENT]
    if kind in ("given", "mixture"):
        parts = list((declared.get("cases") or {}).values()) \
            + [b.get("then") for b in declared.get("bands") or []] \
            + ([declared["otherwise"]] if "otherwise" in declared else []) \
            + [p.get("then") for p in declared.get("of") or []]
        found = []
        for part in parts:
            inner = _possible_values(part) if isinstance(part, dict) else None
            if inner is None:
                return None
            found.extend(inner)
        return found
    return None


def fit(flat: dict, fields: dict[str, FieldSpec], as_of: dt.date,
        born: dt.date | None = None) -> dict:
    """Values made to pass the applicant parser's field rules and cross-checks; dates
    become 'YYYY-MM-DD' text, integers whole numbers, absent values are left out."""
    out = {}
    for path, spec in fields.items():
        value = flat.get(path)
        if value is None or value is ABSENT:
            continue
        if spec.type == "date":
            value = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
            value = max(min(value, as_of), EARLIEST)
        elif spec.type in ("integer", "number"):
            value = _clip(value, _number(spec.min), _number(spec.max))
            value = int(math.floor(value)) if spec.type == "integer" else value
            if isinstance(value, float) and value.is_integer():
                value = int(value)
        out[path] = value
    birth = out.get("birth_date") if isinstance(out.get("birth_date"), dt.date) else born
    for path, spec in fields.items():  # dates after the date they may not precede
        if spec.not_before and path in out and isinstance(out.get(spec.not_before), dt.date):
            out[path] = max(out[path], out[spec.not_before])
    for path, spec in fields.items():  # month counts within working life
        if spec.working_life_of and path in out:
            born_at = out.get(spec.working_life_of)
            born_at = born_at if isinstance(born_at, dt.date) else birth
            if born_at is not None:
                limit = completed_months(shift_years(born_at, WORKING_AGE), as_of)
                out[path] = min(out[path], limit)
    for _ in range(len(fields)):  # counts within the counts they may not exceed
        changed = False
        for path, spec in fields.items():
            if spec.at_most and path in out and spec.at_most in out \
                    and out[path] > out[spec.at_most]:
                out[path] = out[spec.at_most]
                changed = True
        if not changed:
            break
    for path, spec in fields.items():
        if spec.type == "records" and path in out:
            earliest = birth or EARLIEST
            out[path] = [{"date": _iso(max(min(_day(r["date"]), as_of), earliest)),
                          "kind": r["kind"]} for r in out[path]]
        elif spec.type == "date" and path in out:
            out[path] = out[path].isoformat()
    return out


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _number(value):
    return None if value is None else float(value)


@functools.lru_cache(maxsize=64)
def declared(city: str, directory: Path = POPULATIONS_DIR) -> Population | None:
    """The city's declared population, or None when no file declares one."""
    if not isinstance(city, str) or not city.replace("_", "").isalnum():
        return None
    path = directory / f"{city}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    population = Population(yaml.safe_load(text), path.name)
    if population.city != city:
        raise SyntheticDataInvalid(f"{path.name}: city is {population.city!r}, not {city!r}")
    return population


def cities(directory: Path = POPULATIONS_DIR) -> list[str]:
    """The cities that declare a population."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def synthetic(rng: random.Random, fields: dict[str, FieldSpec], as_of: dt.date,
              city: str) -> dict | None:
    """One applicant of the city's declared population, or None when it declares none."""
    population = declared(city)
    return None if population is None else population.draw(rng, fields, as_of)
