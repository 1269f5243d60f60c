"""Score results as orjson-ready data, fast: the parts that repeat are encoded once.

A breakdown's labels, groups and rule texts come from the policy and repeat in
every answer; points repeat across applicants. They are encoded once per
policy and reused as `orjson.Fragment`s. `ScoreResult.to_dict()` stays the
reference: a test holds the two equal.
"""

from __future__ import annotations

import weakref

import orjson

from service.scoring.result import ScoreResult, plain

MEMO = 50_000


class WireCache:
    """Encoded pieces of one compiled policy's answers."""

    def __init__(self, compiled):
        self.criteria = compiled.criteria
        self.gate_specs = compiled.gates
        self.scale = compiled.scale
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
            if len(self.rules) < MEMO:
                self.rules[key] = found
        return found[1]

    def point(self, ticks) -> bytes:
        found = self.points.get(ticks)
        if found is None:
            points, exact = self.scale.shown(ticks)
            found = (b',"points":' + orjson.dumps(points) + b',"points_exact":'
                     + orjson.dumps(exact))
            if len(self.points) < MEMO:
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

    def breakdown(self, result: ScoreResult) -> orjson.Fragment:
        """The breakdown list. An item is fixed by its criterion, its input, its points and
        whether it was capped (the rule that applied follows from the input), so whole
        items are remembered under that key."""
        values, items, parts = result.values, self.items, []
        for index, (c, ticks) in enumerate(zip(self.criteria, result.ticks)):
            shown = c.shown(values)
            capped = c.can_cap and ticks != c.raw(values)
            key = (index, tuple(shown.values()) if type(shown) is dict else shown, ticks, capped)
            encoded = items.get(key)
            if encoded is None:
                encoded = self.item(index, c, shown, ticks, capped, values)
                if len(items) < MEMO:
                    items[key] = encoded
            parts.append(encoded)
        return orjson.Fragment(b"[" + b",".join(parts) + b"]")


# One cache per loaded policy, forgotten with it (a reload drops the old set).
_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def wire(result: ScoreResult) -> dict:
    """The same answer as `result.to_dict()`, with the repeating parts pre-encoded."""
    policy = result.policy_obj
    cache = _CACHES.get(policy)
    if cache is None:
        cache = _CACHES[policy] = WireCache(result.compiled)
    return {
        "decision_id": result.decision_id,
        "policy": result.policy,
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
        "uncertain": result.uncertain,
    }
