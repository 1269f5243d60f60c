"""Cross-reference checks on a structurally valid, merged policy document.

Each check returns (field path, message) pairs; the loader adds the file name.
"""

from __future__ import annotations

from service.rules.criteria import KINDS
from service.rules.criteria.lookup import key_of
from service.rules.facts import FACTS
from service.rules.gates import GATES

NUMERIC = ("integer", "number")


def check_policy(doc: dict, tier: dict) -> list[tuple[str, str]]:
    """Every cross-reference problem in a merged policy document."""
    types = {name: spec["type"] for name, spec in doc["fields_"].items()}
    for name, fact in doc["facts"].items():
        types.setdefault(name, FACTS[fact["kind"]].TYPE)
    problems: list[tuple[str, str]] = []
    problems += _check_fields(doc["fields_"], set(doc["reference_dates"]))
    problems += _check_maxima(doc["fields_"], tier)
    problems += _check_facts(doc, types)
    problems += _check_gates(doc, types)
    problems += _check_criteria(doc, types)
    problems += _check_rest(doc, types)
    problems += _check_tier(doc, tier)
    problems += _check_provenance(doc)
    return problems


def _check_provenance(doc: dict) -> list:
    """Every criterion, gate and the threshold says where its figures were read and how
    sure we are of them (alternatives nested in one inherit it); omitted indicators are
    declared once each."""
    out = []
    items = [(f"criteria.{i}({c['id']})", c) for i, c in enumerate(doc["criteria"])]
    items += [(f"gates.{i}({g['id']})", g) for i, g in enumerate(doc["gates"])]
    items.append(("threshold", doc["threshold"]))
    for where, item in items:
        missing = [key for key in ("source", "confidence") if not item.get(key)]
        if missing:
            out.append((f"{where}.{missing[0]}", f"Missing {' and '.join(missing)}: say where "
                        "this figure comes from (`source`: document, article or table, and "
                        "where it was read) and how sure we are (`confidence`: high, medium "
                        "or low)."))
    ids = [o["id"] for o in doc["omitted"]]
    scored = {c["id"] for c in doc["criteria"]}
    for i, name in enumerate(ids):
        if name in ids[:i]:
            out.append((f"omitted.{i}.id", f"{name!r} is declared omitted twice."))
        elif name in scored:
            out.append((f"omitted.{i}.id", f"{name!r} is a criterion of this policy."))
    return out


def input_limits(tier: dict) -> dict:
    """The tier's input limit of each unit (empty when the tier sets none)."""
    return (tier.get("input_limits") or {}).get("max") or {}


def effective_max(spec: dict, tier: dict):
    """A numeric field's maximum: its own `max`, else its tier's input limit for its
    `unit`; None when it has neither (the loader refuses such a field)."""
    if spec["max"] is not None:
        return spec["max"]
    return input_limits(tier).get(spec["unit"])


def _check_maxima(specs: dict, tier: dict) -> list:
    """Every integer or number field has a maximum, and its `min` and `default` lie within
    it, so no applicant value can be arbitrarily large."""
    out = []
    limits = input_limits(tier)
    known = (f"tier {tier['tier']!r} limits: {', '.join(sorted(limits))}" if limits
             else f"tier {tier['tier']!r} sets no input limits")
    for name, spec in specs.items():
        if spec["type"] not in NUMERIC:
            continue
        where = f"fields.{name}"
        high = effective_max(spec, tier)
        if high is None:
            if spec["unit"] is None:
                why = "it has no `max` and no `unit`"
            else:
                why = f"it has no `max` and no input limit applies to unit {spec['unit']!r}"
            out.append((f"{where}.max", f"A numeric field needs a maximum: {why}. Give "
                        f"`max`, or a `unit` its tier limits ({known})."))
            continue
        low = spec["min"]
        if spec["max"] is None and low is not None and low > high:
            out.append((f"{where}.min", f"`min` is above the tier's input limit for unit "
                        f"{spec['unit']!r} ({high})."))
        default = spec["default"]
        if (isinstance(default, (int, float)) and not isinstance(default, bool)
                and (default > high or (low is not None and default < low))):
            out.append((f"{where}.default", f"{default!r} is outside the field's range "
                        f"({'' if low is None else low}..{high})."))
    return out


def _value_ok(spec: dict, value) -> bool:
    kind = spec["type"]
    if kind == "enum":
        return key_of(value) in spec["values"]
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return True


def _check_fields(specs: dict, dates: set) -> list:
    out = []
    for name, spec in specs.items():
        where = f"fields.{name}"
        for key, wanted in (("not_before", ("date",)), ("working_life_of", ("date",)),
                            ("at_most", NUMERIC)):
            other = spec[key]
            if other is None:
                continue
            if other not in specs:
                out.append((f"{where}.{key}", f"Refers to undeclared field {other!r}."))
            elif specs[other]["type"] not in wanted:
                out.append((f"{where}.{key}", f"{other!r} is not a {' or '.join(wanted)} field."))
        if spec["accrues"] and spec["accrues"] != "as_of" and spec["accrues"] not in dates:
            out.append((f"{where}.accrues", f"Unknown reference date {spec['accrues']!r}."))
        default = spec["default"]
        if default is not None:
            if spec["type"] == "records":
                ok = default == []
            else:
                ok = _value_ok(spec, default) and (spec["type"] not in NUMERIC
                                                   or isinstance(default, (int, float)))
            if not ok:
                out.append((f"{where}.default", f"{default!r} is not a valid {spec['type']}."))
        for prefix in _prefixes(name):
            if prefix in specs:
                out.append((where, f"{prefix!r} is a field, so it cannot hold {name!r}."))
    return out


def _prefixes(path: str):
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _check_when(where: str, when: dict, specs: dict) -> list:
    out = []
    for name, value in when.items():
        spec = specs.get(name)
        if spec is None:
            out.append((f"{where}.when.{name}", f"Reads undeclared field {name!r}."))
        elif spec["type"] not in ("enum", "boolean", "integer"):
            out.append((f"{where}.when.{name}", f"{name!r} is a {spec['type']} field; "
                        "a row can only match enum, boolean or integer fields."))
        elif value is not None and not _value_ok(spec, value):
            out.append((f"{where}.when.{name}", f"{value!r} is not a value of {name!r}."))
    return out


def _check_facts(doc: dict, types: dict) -> list:
    out, specs = [], doc["fields_"]
    checks = RuleChecks(doc, types)
    for name, fact in doc["facts"].items():
        where = f"facts.{name}"
        if name in specs:
            out.append((where, f"A fact may not have the name of a field ({name!r})."))
        out += FACTS[fact["kind"]].check(name, fact, where, checks)
    return out


def _reads_ok(where: str, names, types: dict, wanted=None, specs: dict | None = None) -> list:
    out = []
    for name in names:
        spec = (specs or {}).get(name)
        if name not in types:
            out.append((where, f"Reads undeclared field or fact {name!r}."))
        elif wanted and types[name] not in wanted:
            out.append((where, f"{name!r} is a {types[name]}; this needs {' or '.join(wanted)}."))
        elif wanted and spec and not spec["required"] and spec["default"] is None:
            out.append((where, f"{name!r} is optional with no default; give it a `default` "
                        "so this always has a value."))
    return out


def _check_gates(doc: dict, types: dict) -> list:
    out, seen = [], set()
    checks = RuleChecks(doc, types)
    for i, gate in enumerate(doc["gates"]):
        where = f"gates.{i}({gate['id']})"
        if gate["id"] in seen:
            out.append((f"{where}.id", f"Duplicate gate id {gate['id']!r}."))
        seen.add(gate["id"])
        out += GATES[gate["kind"]].check(gate, where, checks)
    return out


class RuleChecks:
    """What a rule kind's `check` may ask of the policy it is part of (service/rules/:
    each criterion, gate and fact kind checks its own keys against the rest)."""

    NUMERIC = NUMERIC

    def __init__(self, doc: dict, types: dict):
        self.doc, self.types, self.specs = doc, types, doc["fields_"]
        self.dates = {"as_of", *doc["reference_dates"]}  # the reference dates a fact may use

    def reads_ok(self, where: str, names, wanted=None) -> list:
        return _reads_ok(where, names, self.types, wanted, self.specs)

    def has_fact(self, name: str) -> bool:
        return name in self.doc["facts"]

    def enum_values(self, name: str) -> dict | None:
        """The values of an enum field; None for anything else."""
        spec = self.specs.get(name)
        return spec["values"] if spec is not None and spec["type"] == "enum" else None

    def check_when(self, where: str, when: dict) -> list:
        return _check_when(where, when, self.specs)

    def check_criterion(self, where: str, c: dict) -> list:
        return KINDS[c["kind"]].check(c, where, self)


def _check_criteria(doc: dict, types: dict) -> list:
    out, seen = [], set()
    checks = RuleChecks(doc, types)
    groups = {g["id"] for g in doc["groups"]}
    for i, c in enumerate(doc["criteria"]):
        where = f"criteria.{i}({c['id']})"
        if c["id"] in seen:
            out.append((f"{where}.id", f"Duplicate criterion id {c['id']!r}."))
        seen.add(c["id"])
        if c["group"] is not None and c["group"] not in groups:
            out.append((f"{where}.group", f"Unknown group {c['group']!r}."))
        if c["kind"] not in KINDS:
            continue
        out += checks.check_criterion(where, c)
    return out


def _check_rest(doc: dict, types: dict) -> list:
    out = []
    used = {c["group"] for c in doc["criteria"]}
    for i, group in enumerate(doc["groups"]):
        if group["id"] not in used:
            out.append((f"groups.{i}({group['id']})", "No criterion belongs to this group."))
    ids = [e["id"] for e in doc["entitlements"]]
    if len(set(ids)) != len(ids):
        out.append(("entitlements", "Entitlement ids must be distinct."))
    out += _check_ties(doc, types)
    if "as_of" in doc["reference_dates"]:
        out.append(("reference_dates.as_of", "'as_of' is the application's own date."))
    return out


TIE_BREAK_TYPES = ("integer", "number", "date", "boolean")


def _check_ties(doc: dict, types: dict) -> list:
    """`ties: tie_break` needs keys and `ties: admit_all` takes none; each key is a declared
    field or fact that orders (a number, a date or a flag) and always has a value, named
    once. Quota rounds (scoring/rounds.py) read them."""
    threshold, out = doc["threshold"], []
    keys = threshold["tie_break"]
    if threshold["ties"] == "tie_break" and not keys:
        out.append(("threshold.tie_break", "`ties: tie_break` needs at least one key: "
                    "[{key: <field or fact>, order: asc|desc}]."))
    if threshold["ties"] == "admit_all" and keys:
        out.append(("threshold.ties", "Keys in `tie_break` are read only with `ties: "
                    "tie_break`; with admit_all everyone tied at the line is admitted."))
    seen: set = set()
    for i, item in enumerate(keys):
        where = f"threshold.tie_break.{i}.key"
        if item["key"] in seen:
            out.append((where, f"{item['key']!r} is named twice."))
        seen.add(item["key"])
        found = _reads_ok(where, [item["key"]], types, TIE_BREAK_TYPES, doc["fields_"])
        spec = doc["fields_"].get(item["key"])
        if not found and spec and spec["type"] == "date" and not spec["required"]:
            found = [(where, f"{item['key']!r} is an optional date; a date that breaks ties "
                      "must be required.")]
        out += found
    return out


def _check_tier(doc: dict, tier: dict) -> list:
    out = []
    rule = tier["points_system"]
    if rule == "forbidden" and doc["criteria"]:
        out.append(("criteria", f"Tier {tier['tier']!r} may not use a points system "
                    "(cities under 3 million; MPS 2017, NDRC 2019)."))
    if rule == "required" and not doc["criteria"]:
        out.append(("criteria", f"Tier {tier['tier']!r} settles by points: give criteria."))
    limit = tier["insurance_condition_max_years"]
    if limit is None:
        return out
    for where, gate in _all_gates(doc["gates"]):
        spec = doc["fields_"].get(gate.get("input"))
        low = gate.get("min")
        if not spec or not low or "value" not in low or "insurance" not in gate["input"]:
            continue
        months = low["value"] * (12 if spec["unit"] == "year" else 1)
        if months > limit * 12:
            out.append((f"{where}.min",
                        f"Tier {tier['tier']!r} caps an insurance condition at {limit} years."))
    return out


def _all_gates(gates: list, prefix: str = "gates"):
    """(path, gate) for every gate, the alternatives of an any_of gate included."""
    for i, gate in enumerate(gates):
        where = f"{prefix}.{i}({gate['id']})"
        yield where, gate
        yield from _all_gates(gate.get("of") or [], f"{where}.of")
