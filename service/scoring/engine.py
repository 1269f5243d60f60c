"""The engine: (policy, applicant values, as_of) -> an explained, exact score result.

`compile_policy` turns a validated policy into closures once, at load time;
`score` only runs them. Points are integer ticks of 1/denominator, so the
total is exact and is rounded once, as the policy says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from service.policy.model import Policy

from .context import CompileContext
from .dates import reference_date
from .facts import compile_facts
from .gates import compile_gate
from .kinds import KINDS
from .points import common_denominator, exact_text, round_ticks
from .result import CriterionScore, GateResult, ScoreResult


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
    denominator: int
    places: int
    mode: str
    reference_dates: tuple
    facts: tuple
    gates: tuple
    criteria: tuple
    groups: dict
    threshold: dict
    cutoffs: tuple
    entitlements: tuple


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
        denominator=denominator,
        places=loaded["rounding"]["places"], mode=loaded["rounding"]["mode"],
        reference_dates=tuple(loaded["reference_dates"].items()),
        facts=tuple(compile_facts(loaded["facts"])),
        gates=gates, criteria=criteria, groups=groups, threshold=threshold, cutoffs=cutoffs,
        entitlements=tuple((e["id"], e["min_points"]) for e in loaded["entitlements"]),
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


def _json_default(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def decision_id(policy: Policy, values: dict, as_of: dt.date) -> str:
    """Deterministic: the policy hash, the date and the canonical values the policy reads."""
    canonical = json.dumps([values[name] for name in policy.reads], default=_json_default,
                           sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{policy.sha256}|{as_of.isoformat()}|{canonical}".encode())
    return digest.hexdigest()[:32]


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

    gates = [GateResult(gate_id, check(values), label, reason)
             for gate_id, check, label, reason in compiled.gates]
    eligible = all(g.passed for g in gates)

    ticks, capped, shown = [], [], []
    for criterion in compiled.criteria:
        points, value = criterion.evaluate(values)
        cap = criterion.cap
        was_capped = cap is not None and abs(points) > cap
        if was_capped:
            points = cap if points > 0 else -cap
        ticks.append(points)
        capped.append(was_capped)
        shown.append(value)
    if compiled.groups:
        _apply_group_caps(compiled, ticks, capped)

    denominator, places, mode = compiled.denominator, compiled.places, compiled.mode
    total_ticks = sum(ticks)
    total = round_ticks(total_ticks, denominator, places, mode)
    threshold, estimated, round_year = threshold_on(policy, as_of)
    passes = eligible and total >= threshold
    breakdown = [
        CriterionScore(c.id, shown[i], round_ticks(ticks[i], denominator, places, mode),
                       ticks[i], denominator, capped[i], c.label, c.rule, c.group)
        for i, c in enumerate(compiled.criteria)
    ]
    notes = []
    if estimated:
        notes.append({
            "code": "threshold_estimated",
            "zh": f"{round_year}年度的落户分值尚未公布，按最近一次公布的分值{threshold}估算。",
            "en": f"The cutoff of the {round_year} round is not published yet; the latest "
                  f"published cutoff, {threshold}, is used as an estimate.",
        })
    return ScoreResult(
        decision_id=decision_id(policy, values, as_of),
        policy=policy.ref, as_of=as_of.isoformat(), round=round_year,
        eligible=eligible, gates=gates,
        total=total, total_exact=exact_text(Fraction(total_ticks) / denominator),
        threshold=threshold, threshold_kind=compiled.threshold["kind"],
        threshold_estimated=estimated, margin=total - threshold, passes=passes,
        breakdown=breakdown,
        entitlements=[e for e, least in compiled.entitlements if eligible and total >= least],
        notes=notes,
    )
