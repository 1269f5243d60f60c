"""The engine: (policy, applicant values, as_of) -> an explained, exact score result.

`compile_policy` turns a validated policy into closures once, at load time;
`score` only runs them. Points are integer ticks of 1/denominator, so the
total is exact and is rounded once, as the policy says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from service.policy.model import Policy

from .context import CompileContext
from .dates import reference_date
from .facts import compile_facts
from .gates import compile_gate
from .kinds import KINDS
from .points import common_denominator
from .result import Scale, ScoreResult


@dataclass(frozen=True)
class CompiledCriterion:
    id: str
    evaluate: object
    cap: object  # ticks, or None
    group: str | None
    label: dict
    rule: dict


@dataclass(frozen=True)
class CompiledPolicy:
    scale: Scale
    reference_dates: tuple
    facts: tuple
    gates: tuple
    criteria: tuple
    groups: dict
    threshold: dict
    cutoffs: tuple
    entitlements: tuple
    encoders: tuple


def _ticks(amount, denominator: int):
    ticks = Fraction(amount) * denominator
    return int(ticks) if ticks.denominator == 1 else ticks


def compile_policy(policy: Policy, loaded: dict) -> CompiledPolicy:
    """Closures for one validated policy; done once, when the policy is loaded."""
    amounts = [a for c in loaded["criteria"] for a in KINDS[c["kind"]].amounts(c)]
    amounts += [c["cap"] for c in loaded["criteria"] if c["cap"] is not None]
    amounts += [g["cap"] for g in loaded["groups"]]
    denominator = common_denominator(amounts)
    ctx = CompileContext(denominator, policy.fields, loaded["facts"])
    criteria = tuple(
        CompiledCriterion(
            id=c["id"], evaluate=KINDS[c["kind"]].compile(c, ctx),
            cap=None if c["cap"] is None else _ticks(c["cap"], denominator),
            group=c["group"], label=c["label"], rule=KINDS[c["kind"]].rule(c, ctx))
        for c in loaded["criteria"])
    gates = tuple((g["id"], compile_gate(g), g["label"], g["reason"]) for g in loaded["gates"])
    groups = {g["id"]: _ticks(g["cap"], denominator) for g in loaded["groups"]}
    threshold = loaded["threshold"]
    cutoffs = tuple(sorted((year, points) for year, points in (threshold["cutoffs"] or {}).items()))
    return CompiledPolicy(
        scale=Scale(denominator, loaded["rounding"]["places"], loaded["rounding"]["mode"]),
        reference_dates=tuple(loaded["reference_dates"].items()),
        facts=tuple(compile_facts(loaded["facts"])),
        gates=gates, criteria=criteria, groups=groups, threshold=threshold, cutoffs=cutoffs,
        entitlements=tuple((e["id"], e["min_points"]) for e in loaded["entitlements"]),
        encoders=_encoders(policy),
    )


def threshold_on(policy: Policy, as_of: dt.date) -> tuple[Decimal, bool, int | None]:
    """(threshold, estimated, round year) for an application dated as_of."""
    compiled = policy.compiled
    if compiled.threshold["kind"] == "fixed":
        return compiled.threshold["points"], False, None
    year = as_of.year
    published = dict(compiled.cutoffs)
    if year in published:
        return published[year], False, year
    earlier = [y for y, _ in compiled.cutoffs if y < year]
    chosen = max(earlier) if earlier else compiled.cutoffs[0][0]
    return published[chosen], True, year


def _number_text(value) -> str:
    if isinstance(value, int):
        return str(value)
    return str(value.normalize()) if value != int(value) else str(int(value))


def _records_text(records) -> str:
    return "[" + ",".join(f'["{r["date"].isoformat()}","{r["kind"]}"]' for r in records) + "]"


ENCODERS = {
    "date": lambda v: v.isoformat(),
    "integer": str,
    "number": _number_text,
    "boolean": lambda v: "true" if v else "false",
    "enum": str,  # enum values are [a-z0-9_] identifiers: nothing to escape
    "records": _records_text,
}


def _encoders(policy: Policy) -> tuple:
    """One canonical text encoder per field the policy reads, chosen by its type."""
    return tuple((name, ENCODERS[policy.fields[name].type]) for name in policy.reads)


def decision_id(policy: Policy, values: dict, as_of: dt.date) -> str:
    """Deterministic: the policy hash, the date and the canonical values the policy reads."""
    parts = [policy.sha256, as_of.isoformat()]
    for name, encode in policy.compiled.encoders:
        value = values[name]
        parts.append("null" if value is None else encode(value))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _apply_group_caps(compiled: CompiledPolicy, ticks: list, capped: list) -> None:
    for group, cap in compiled.groups.items():
        members = [i for i, c in enumerate(compiled.criteria) if c.group == group]
        total = sum(ticks[i] for i in members)
        if abs(total) <= cap:
            continue
        sign = 1 if total > 0 else -1
        excess = abs(total) - cap
        for i in reversed(members):
            take = min(excess, max(sign * ticks[i], 0))
            if take:
                ticks[i] -= sign * take
                capped[i] = True
                excess -= take
            if not excess:
                break


def score(policy: Policy, values: dict, as_of: dt.date) -> ScoreResult:
    """Score one application whose values the policy's applicant parser produced."""
    compiled: CompiledPolicy = policy.compiled
    values = dict(values)
    dates = {"as_of": as_of}
    for name, rule in compiled.reference_dates:
        dates[name] = reference_date(as_of, rule)
    for name, derive in compiled.facts:
        values[name] = derive(values, dates)

    gates = [(gate, gate[1](values)) for gate in compiled.gates]
    eligible = all(passed for _, passed in gates)

    ticks, capped, shown = [], [], []
    for criterion in compiled.criteria:
        points, value = criterion.evaluate(values)
        cap = criterion.cap
        if cap is not None and (points > cap or -points > cap):
            points = cap if points > 0 else -cap
            capped.append(True)
        else:
            capped.append(False)
        ticks.append(points)
        shown.append(value)
    if compiled.groups:
        _apply_group_caps(compiled, ticks, capped)

    total_ticks = sum(ticks)
    scale = compiled.scale
    total = scale.points(total_ticks)
    threshold, estimated, round_year = threshold_on(policy, as_of)
    notes = []
    if estimated:
        notes.append({
            "code": "threshold_estimated",
            "zh": f"{round_year}年度的落户分值尚未公布，按最近一次公布的分值{threshold}估算。",
            "en": f"The cutoff of the {round_year} round is not published yet; the latest "
                  f"published cutoff, {threshold}, is used as an estimate.",
        })
    return ScoreResult(
        decision_id=decision_id(policy, values, as_of), policy=policy.ref,
        as_of=as_of.isoformat(), round=round_year, eligible=eligible, gates=gates,
        total=total, total_ticks=total_ticks, scale=scale, threshold=threshold,
        threshold_kind=compiled.threshold["kind"], threshold_estimated=estimated,
        passes=eligible and total >= threshold,
        entitlements=[e for e, least in compiled.entitlements if eligible and total >= least],
        notes=notes, criteria=compiled.criteria, ticks=ticks, capped=capped, shown=shown)
