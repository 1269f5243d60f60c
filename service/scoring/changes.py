"""For each criterion, the smallest change of its own input that would pass today.

Each candidate application is checked by the engine (`probe`), so the answer is
exact for this policy, gates and group caps included; a change that would make
the application invalid (past a field's range, whose maximum is its own or its
tier's input limit; more insurance than working life; below a count that must not
exceed it) is never proposed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import weakref

from service.policy.model import Policy
from service.rules.criteria import KINDS
from service.rules.dates import completed_months, shift_years
from service.rules.facts import FACTS
from service.rules.gates import GATES

from .engine import compiled_of, probe
from .result import plain

WORKING_AGE = 16
SEARCH_SPAN = 1200  # how far a number without a maximum is searched
CHOICE_SPAN = 10  # the values tried of a categorical count bounded only by its tier's limit


def _bounds(policy: Policy, values: dict, path: str, as_of: dt.date) -> tuple:
    spec = policy.fields[path]
    low = spec.min if spec.min is not None else 0
    high = spec.max if spec.max is not None else values[path] + SEARCH_SPAN
    if spec.at_most and values.get(spec.at_most) is not None:
        high = min(high, values[spec.at_most])
    born = values.get(spec.working_life_of) if spec.working_life_of else None
    if born is not None:
        high = min(high, completed_months(shift_years(born, WORKING_AGE), as_of))
    elif spec.unit in ("month", "year") and isinstance(values.get("birth_date"), dt.date):
        lived = completed_months(values["birth_date"], as_of)  # no count outlasts a life
        high = min(high, lived if spec.unit == "month" else lived // 12)
    for other in policy.fields.values():  # counts that may not exceed this one
        if other.at_most == path and values.get(other.path) is not None:
            low = max(low, values[other.path])
    return int(low), int(high)


_ISOLATED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per loaded policy


def _isolated(policy: Policy) -> dict[str, int]:
    """Fields read by exactly one criterion (not in a group) and by no gate or fact:
    changing one moves that criterion's points and nothing else. field -> criterion index."""
    found = _ISOLATED.get(policy)
    if found is not None:
        return found
    readers: dict[str, set] = {}
    for i, c in enumerate(policy.spec["criteria"]):
        for name in KINDS[c["kind"]].reads(c):
            readers.setdefault(name, set()).add(i if c["group"] is None else "group")
    for gate in policy.spec["gates"]:
        for name in GATES[gate["kind"]].reads(gate):
            readers.setdefault(name, set()).add("gate")
    for fact in policy.spec["facts"].values():
        for name in FACTS[fact["kind"]].reads(fact):
            readers.setdefault(name, set()).add("fact")
    found = {name: next(iter(r)) for name, r in readers.items()
             if name in policy.fields and len(r) == 1 and isinstance(next(iter(r)), int)}
    _ISOLATED[policy] = found
    return found


class Prober:
    """Whether a changed application passes today. A change to an isolated field is
    checked by re-running only its criterion against the baseline; any other change
    runs the whole engine."""

    def __init__(self, policy: Policy, values: dict, as_of: dt.date, result):
        self.policy, self.values, self.as_of = policy, values, as_of
        self.isolated = _isolated(policy)
        self.full = result.values  # the baseline with its derived facts
        self.ticks, self.total_ticks = result.ticks, result.total_ticks
        self.eligible, self.threshold = result.eligible, result.threshold
        self.criteria = compiled_of(policy).criteria
        self.scale = compiled_of(policy).scale

    def __call__(self, changes: dict) -> tuple[bool, object]:
        index = self.isolated.get(next(iter(changes))) if len(changes) == 1 else None
        if index is None:
            passes, total, _ = probe(self.policy, {**self.values, **changes}, self.as_of)
            return passes, total
        ticks = self.criteria[index].points({**self.full, **changes})
        total = self.scale.points(self.total_ticks - self.ticks[index] + ticks)
        return self.eligible and total >= self.threshold, total


def _passes_with(prober, changes: dict) -> bool:
    return prober(changes)[0]


def _bisect(fails: int, passes: int, test) -> int:
    """The passing value nearest to `fails`, between a value that fails and one that passes
    (in either order), assuming that moving further from `fails` only helps."""
    while abs(passes - fails) > 1:
        mid = (fails + passes) // 2
        if test(mid):
            passes = mid
        else:
            fails = mid
    return passes


def _search_number(policy, values, as_of, path: str, upward: bool, prober):
    """The nearest passing value in one direction (up for points, down for deductions),
    or None when even the far end of the valid range does not pass."""
    current = int(values[path])
    low, high = _bounds(policy, values, path, as_of)
    end = high if upward else low
    if (end <= current if upward else end >= current) or not _passes_with(prober, {path: end}):
        return None
    return _bisect(current, end, lambda x: _passes_with(prober, {path: x}))


def _nearest_edge(policy, values, as_of, path, edges, prober):
    """Of the values at which the criterion's points change, the passing one nearest to
    the current value, or None."""
    current = values[path]
    low, high = _bounds(policy, values, path, as_of)
    passing = [e for e in edges if low <= e <= high and e != current
               and _passes_with(prober, {path: _plain(e)})]
    return _plain(min(passing, key=lambda e: abs(e - current))) if passing else None


def _plain(number):
    return int(number) if number == int(number) else float(number)


def _choices(spec) -> list:
    if spec.type == "boolean":
        return [False, True]
    if spec.type == "enum":
        return list(spec.values)
    low = int(spec.min) if spec.min is not None else 0
    high = low + CHOICE_SPAN
    if spec.max is not None and (spec.max_from != "tier" or spec.max < high):
        high = int(spec.max)  # a tier's input limit is a sanity bound, not a choice to try
    # "left out" is a choice only where leaving it out leaves no value (no default)
    left_out = [None] if not spec.required and spec.default is None else []
    return left_out + list(range(low, high + 1))


def _search_categories(policy, values, paths: list[str], prober, index: int):
    """The passing combination of these categorical inputs that gives the criterion the
    fewest points, or None. Only combinations that raise the criterion's own points are
    tried on the whole engine, lowest first, so the search usually stops early."""
    criterion = compiled_of(policy).criteria[index]
    current = prober.ticks[index]
    raising = []
    for combo in itertools.product(*(_choices(policy.fields[p]) for p in paths)):
        changes = dict(zip(paths, combo))
        ticks = criterion.points({**prober.full, **changes})
        if ticks > current:
            raising.append((ticks, len(raising), changes))
    for _, _, changes in sorted(raising):
        if prober(changes)[0]:
            return changes
    return None


def _inputs(policy: Policy, criterion: dict) -> tuple[str, list[str]]:
    """('number' | 'category' | 'time' | 'record', the applicant fields the criterion reads)."""
    if criterion["kind"] == "best_of" or criterion.get("input") is None:
        names = KINDS[criterion["kind"]].reads(criterion)
    else:
        names = [criterion["input"]]
    facts = policy.spec["facts"]
    for name in names:
        fact = facts.get(name)
        search = None if fact is None else FACTS[fact["kind"]].SEARCH
        if search is not None:  # "record" or "time": what moves the fact
            return search, [fact["source"]]
    fields = [n for n in names if n in policy.fields]
    numeric = fields and all(policy.fields[f].type in ("integer", "number") for f in fields)
    if KINDS[criterion["kind"]].SEARCH == "number" and numeric and len(fields) == 1:
        return "number", fields
    return "category", fields


def _label(policy, path) -> dict:
    return policy.fields[path].label if path in policy.fields else {"zh": path, "en": path}


def smallest_changes(policy: Policy, values: dict, as_of: dt.date, result) -> list[dict]:
    """One entry per criterion that is not at its cap, baseline `result` given."""
    out = []
    criteria = {c["id"]: c for c in policy.spec["criteria"]}
    prober = Prober(policy, values, as_of, result)
    for index, item in enumerate(result.breakdown):
        if item.capped:
            continue
        criterion = criteria[item.criterion]
        kind, paths = _inputs(policy, criterion)
        entry = {"criterion": item.criterion, "label": item.label, "kind": kind,
                 "inputs": paths,
                 "current": {p: plain(values.get(p)) for p in paths if p in values},
                 "needed": None, "enough_alone": False}
        if result.passes:
            entry["enough_alone"] = True
            entry["needed"] = entry["current"]
        elif kind == "number":
            path = paths[0]
            rule = KINDS[criterion["kind"]]
            edges = rule.edges(criterion, policy.fields[path].type == "integer")
            if edges is not None:
                needed = _nearest_edge(policy, values, as_of, path, edges, prober)
            else:
                needed = _search_number(policy, values, as_of, path, rule.upward(criterion),
                                        prober)
            if needed is not None:
                entry.update(needed={path: needed}, enough_alone=True)
        elif kind == "category":
            needed = _search_categories(policy, values, paths, prober, index)
            if needed is not None:
                entry.update(needed=needed, enough_alone=True)
        entry["words"] = _words(policy, entry)
        out.append(entry)
    return out


def _words(policy: Policy, entry: dict) -> dict:
    if entry["kind"] == "time":
        return {"zh": "随时间变化，见达到分值的日期。",
                "en": "Changes with time: see the pass date."}
    if entry["kind"] == "record":
        return {"zh": "取决于记录，单独改变无法计算。",
                "en": "Depends on the record; not a single value to change."}
    if not entry["enough_alone"]:
        return {"zh": "单独改变这一项不足以达到分值。", "en": "Not enough alone."}
    parts_zh, parts_en = [], []
    for path, value in entry["needed"].items():
        label = _label(policy, path)
        spec = policy.fields.get(path)
        shown = spec.values.get(value, {"zh": value, "en": value}) \
            if spec is not None and spec.type == "enum" else {"zh": value, "en": value}
        parts_zh.append(f"{label['zh']}为{shown['zh']}")
        parts_en.append(f"{label['en']} at {shown['en']}")
    return {"zh": "、".join(parts_zh) + "即可达到分值。",
            "en": " and ".join(parts_en) + " would be enough."}
