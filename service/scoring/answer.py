"""The one encoding of a score result: the answer every caller gets (the API sends it as
it is; `ScoreResult.to_dict()` is the same answer decoded for the CLI and tests).

A breakdown's labels, groups and rule texts come from the policy and repeat in
every answer; points repeat across applicants. They are encoded once per
policy and reused as `orjson.Fragment`s.
"""

from __future__ import annotations

import weakref
from decimal import Decimal

import orjson

ANSWER_MEMO = 50_000


def plain(value):
    """An input value as JSON: dates as ISO strings, decimals as numbers."""
    kind = type(value)
    if kind is int or kind is bool or kind is str or value is None:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class WireCache:
    """Encoded pieces of one compiled policy's answers."""

    def __init__(self, policy, compiled):
        self.criteria = compiled.criteria
        # Per criterion, what the breakdown asks of it: its input, and its points before
        # caps only where a cap can apply.
        self.readers = [(index, c.shown, c.raw if c.can_cap else None)
                        for index, c in enumerate(self.criteria)]
        self.gate_specs = compiled.gates
        self.scale = compiled.scale
        self.policy = orjson.Fragment(orjson.dumps(policy.ref))
        # The criteria that may add to `uncertain`: it follows from their points alone.
        self.doubtful = tuple(i for i, doubt in enumerate(compiled.doubtful)
                              if doubt is not None)
        self.uncertainties: dict = {}
        self.prefixes = [
            b'{"criterion":' + orjson.dumps(c.id) + b',"group":' + orjson.dumps(c.group)
            + b',"label":' + orjson.dumps(c.label) + b',"input":' for c in self.criteria]
        self.rules: dict = {}
        self.points: dict = {}
        self.gates: dict = {}
        self.items: dict = {}
        self.omitted = orjson.Fragment(orjson.dumps(list(compiled.omitted)))

    def rule(self, rule: dict) -> bytes:
        key = id(rule)  # applied rules are texts made once at compile time
        found = self.rules.get(key)
        if found is None or found[0] is not rule:
            found = (rule, b',"rule":' + orjson.dumps(rule["en"]) + b',"rule_i18n":'
                     + orjson.dumps(rule) + b"}")
            if len(self.rules) < ANSWER_MEMO:
                self.rules[key] = found
        return found[1]

    def point(self, ticks) -> bytes:
        found = self.points.get(ticks)
        if found is None:
            points, exact = self.scale.shown(ticks)
            found = (b',"points":' + orjson.dumps(points) + b',"points_exact":'
                     + orjson.dumps(exact))
            if len(self.points) < ANSWER_MEMO:
                self.points[ticks] = found
        return found

    def gate_list(self, passed: tuple) -> orjson.Fragment:
        found = self.gates.get(passed)
        if found is None:
            found = orjson.Fragment(orjson.dumps([
                {"id": g[0], "passed": ok, "label": g[2], "reason": g[3]}
                for g, ok in zip(self.gate_specs, passed)]))
            self.gates[passed] = found
        return found

    def item(self, index: int, c, shown, ticks, capped: bool, values) -> bytes:
        encoded = str(shown).encode() if type(shown) is int else orjson.dumps(plain(shown))
        return (self.prefixes[index] + encoded + self.point(ticks)
                + (b',"capped":true' if capped else b',"capped":false')
                + self.rule(c.applied(values)))

    def breakdown(self, result) -> orjson.Fragment:
        """The breakdown list. An item is fixed by its criterion, its input, its points and
        whether it was capped (the rule that applied follows from the input), so whole
        items are remembered under that key."""
        values, items, parts = result.values, self.items, []
        for (index, shown_of, raw_of), ticks in zip(self.readers, result.ticks):
            shown = shown_of(values)
            capped = raw_of is not None and ticks != raw_of(values)
            key = (index, shown if type(shown) is not dict else _frozen(shown), ticks, capped)
            encoded = items.get(key)
            if encoded is None:
                encoded = self.item(index, self.criteria[index], shown, ticks, capped, values)
                if len(items) < ANSWER_MEMO:
                    items[key] = encoded
            parts.append(encoded)
        return orjson.Fragment(b"[" + b",".join(parts) + b"]")

    def uncertain(self, result) -> orjson.Fragment:
        """The `uncertain` list: its entries follow from the doubtful criteria's points."""
        ticks = result.ticks
        key = tuple([ticks[i] for i in self.doubtful])
        found = self.uncertainties.get(key)
        if found is None:
            found = orjson.Fragment(orjson.dumps(result.uncertain))
            if len(self.uncertainties) < ANSWER_MEMO:
                self.uncertainties[key] = found
        return found


def _frozen(shown):
    """A breakdown input as a hashable key: the values of a flat mapping (a lookup's
    categories), or the encoded text of a nested one (a best_of of lookups)."""
    if type(shown) is not dict:
        return shown
    flat = tuple(shown.values())
    try:
        hash(flat)
    except TypeError:
        return orjson.dumps(plain(shown), option=orjson.OPT_SORT_KEYS)
    return flat


# One cache per loaded policy, forgotten with it (a reload drops the old set).
_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def answer(result) -> dict:
    """A ScoreResult's answer, orjson-ready, with the repeating parts pre-encoded."""
    policy = result.policy_obj
    cache = _CACHES.get(policy)
    if cache is None:
        cache = _CACHES[policy] = WireCache(policy, result.compiled)
    return {
        "decision_id": result.decision_id,
        "policy": cache.policy,
        "as_of": result.as_of,
        "round": result.round,
        "eligible": result.eligible,
        "gates": cache.gate_list(tuple(result.passed)),
        "total": float(result.total),
        "total_exact": result.total_exact,
        "threshold": None if result.threshold is None else float(result.threshold),
        "threshold_kind": result.threshold_kind,
        "threshold_estimated": result.threshold_estimated,
        "margin": None if result.threshold is None else float(result.margin),
        "passes": result.passes,
        "breakdown": cache.breakdown(result),
        "entitlements": result.entitlements,
        "notes": result.notes,
        "omitted": cache.omitted,
        "uncertain": cache.uncertain(result),
    }
