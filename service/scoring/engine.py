"""The engine: (policy, applicant values, as_of) -> an explained, exact score result.

`compile_policy` turns a validated policy into closures once, at load time;
`score` only runs them. Points are integer ticks of 1/denominator, so the
total is exact and is rounded once, as the policy says.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter

from service.policy.model import Policy
from service.rules.criteria import KINDS
from service.rules.dates import reference_date
from service.rules.facts import FACTS
from service.rules.gates import GATES

from .context import CompileContext
from .decision import DecisionKey
from .points import common_denominator
from .result import Scale, ScoreResult


@dataclass(frozen=True)
class CompiledCriterion:
    id: str
    raw: object      # values -> ticks before any cap
    points: object   # values -> ticks with the criterion's own cap applied
    shown: object    # values -> the input as the breakdown shows it
    applied: object  # values -> the rule that applied, in words
    can_cap: bool    # whether a cap (own or a group's) can change the points
    cap: object      # ticks, or None
    binds: bool      # whether its own cap can change the points
    inline: str | None  # `raw` as one expression over `values`, where the kind gives one
    group: str | None
    label: dict
    rule: dict


@dataclass(frozen=True)
class CompiledPolicy:
    scale: Scale
    reference_dates: tuple
    dates_on: object
    facts: tuple
    gates: tuple
    criteria: tuple
    groups: tuple      # (cap ticks, member indexes) per group
    threshold: dict
    threshold_for: object
    round_on: object   # as_of -> (dates_on(as_of), threshold_for(as_of)), remembered
    marked: bool       # whether the scheme has a pass mark (a ranked one may have none)
    entitlements: tuple
    omitted: tuple     # the scheme's indicators this policy does not score
    doubtful: tuple    # per criterion: its medium/low provenance or None; () if all high
    standing_notes: tuple  # notes every answer of this policy carries
    simple_reads: tuple
    other_reads: tuple
    evaluate: object   # (values, dates) -> (passed, ticks): see `_evaluator`


def _ticks(amount, denominator: int):
    ticks = Fraction(amount) * denominator
    return int(ticks) if ticks.denominator == 1 else ticks


def _with_cap(raw, cap):
    if cap is None:
        return raw

    def capped(values):
        ticks = raw(values)
        return cap if ticks > cap else (-cap if ticks < -cap else ticks)

    return capped


def _cap_can_bind(c: dict) -> bool:
    kind = KINDS[c["kind"]]
    bounded = kind.BOUNDED if kind.BOUNDED is not None else kind.bounded(c)
    return not bounded or max(abs(a) for a in kind.amounts(c)) > c["cap"]


def _criterion(c: dict, ctx: CompileContext) -> CompiledCriterion:
    kind = KINDS[c["kind"]]
    raw = kind.compile(c, ctx)
    cap = None if c["cap"] is None else _ticks(c["cap"], ctx.denominator)
    binds = cap is not None and _cap_can_bind(c)
    points = _with_cap(raw, cap) if binds else raw
    rule = kind.rule(c, ctx)
    applied = kind.applied(c, ctx) if hasattr(kind, "applied") else (lambda values: rule)
    inline = kind.inline(c, ctx) if hasattr(kind, "inline") else None
    return CompiledCriterion(c["id"], raw, points, kind.shown(c), applied,
                             binds or c["group"] is not None, cap, binds, inline, c["group"],
                             c["label"], rule)


def _dates_rule(rules: tuple):
    """as_of -> {name: date} for `as_of` and the policy's reference dates (remembered)."""
    memo: dict = {}

    def dates_on(as_of):
        found = memo.get(as_of)
        if found is None:
            found = {"as_of": as_of, **{n: reference_date(as_of, r) for n, r in rules}}
            if len(memo) < 4096:
                memo[as_of] = found
        return found

    return dates_on


def _round_rule(dates_on, threshold_for):
    """as_of -> (its dates, its threshold): what a score asks of as_of, in one look-up
    (remembered for up to 4096 dates, as `_dates_rule`)."""
    memo: dict = {}

    def round_on(as_of):
        found = memo.get(as_of)
        if found is None:
            found = (dates_on(as_of), threshold_for(as_of))
            if len(memo) < 4096:
                memo[as_of] = found
        return found

    return round_on


def _threshold_rule(threshold: dict):
    """as_of -> (threshold, estimated, round year, notes): fixed, or a quota round's
    cutoff. A quota scheme with no pass mark (`pass_mark: none`) still gives the round's
    published cutoff as its line where one is known, else None."""
    if threshold["kind"] == "fixed":
        fixed = (threshold["points"], False, None, [])
        return lambda as_of: fixed
    cutoffs = dict(threshold["cutoffs"] or {})
    years = sorted(cutoffs)
    marked = threshold["pass_mark"] != "none"
    rounds: dict = {}

    def for_round(as_of):
        year = as_of.year
        found = rounds.get(year)
        if found is None:
            if year in cutoffs:
                found = (cutoffs[year], False, year, [])
            elif years:
                earlier = [y for y in years if y < year]
                points = cutoffs[earlier[-1] if earlier else years[0]]
                found = (points, True, year, [estimate_note(points, year)])
            else:
                found = (None, False, year, [])
            if not marked:
                found = (*found[:3], [NO_PASS_MARK, *found[3]])
            rounds[year] = found
        return found

    return for_round


NO_PASS_MARK = {
    "code": "no_pass_mark",
    "zh": "本市在年度指标内按积分排名落户，没有合格分数线：无法判断是否达到，只能看排名。"
          "所示分数线（如有）为以往年度公布的最低落户分值。",
    "en": "This city admits by rank within the year's quota and sets no pass mark, so "
          "there is no pass or fail; the line shown, where there is one, is the lowest "
          "score admitted in a published round.",
}


def meets(compiled, eligible: bool, total, threshold):
    """Whether an application passes: None where the scheme has no pass mark."""
    if compiled.marked and threshold is not None:
        return eligible and total >= threshold
    return None


SIMPLE = ("integer", "enum", "boolean")


# id(policy) -> (a weak reference to it, its evaluator). Keyed by id and checked by
# identity: a WeakKeyDictionary makes a weak reference on every lookup, which cost the
# engine 4 % of a score. The entry goes when the policy is collected (a reload dropped it).
_COMPILED: dict[int, tuple] = {}


def compiled_of(policy: Policy) -> CompiledPolicy:
    """The engine's evaluator of `policy`, compiled once per loaded policy (and forgotten
    with it, when a reload drops the old set)."""
    found = _COMPILED.get(id(policy))
    if found is not None and found[0]() is policy:
        return found[1]
    compiled = compile_policy(policy, policy.spec)
    key = id(policy)
    _COMPILED[key] = (weakref.ref(policy, lambda _, key=key: _COMPILED.pop(key, None)),
                      compiled)
    return compiled


def compile_policy(policy: Policy, loaded: dict) -> CompiledPolicy:
    """Closures for one validated policy (`loaded`: its validated spec)."""
    amounts = [a for c in loaded["criteria"] for a in KINDS[c["kind"]].amounts(c)]
    amounts += [c["cap"] for c in loaded["criteria"] if c["cap"] is not None]
    amounts += [g["cap"] for g in loaded["groups"]]
    denominator = common_denominator(amounts)
    ctx = CompileContext(denominator, policy.fields, loaded["facts"])
    criteria = tuple(_criterion(c, ctx) for c in loaded["criteria"])
    gates = tuple((g["id"], GATES[g["kind"]].compile(g), g["label"], g["reason"])
                  for g in loaded["gates"])
    groups = tuple(
        (_ticks(g["cap"], denominator),
         tuple(i for i, c in enumerate(criteria) if c.group == g["id"]))
        for g in loaded["groups"])
    facts = tuple((name, FACTS[spec["kind"]].compile(spec), _inline(FACTS[spec["kind"]], spec))
                  for name, spec in loaded["facts"].items())
    types = {name: policy.fields[name].type for name in policy.reads}
    dates_on = _dates_rule(tuple(loaded["reference_dates"].items()))
    threshold_for = _threshold_rule(loaded["threshold"])
    simple = tuple(n for n in policy.reads if types[n] in SIMPLE)
    return CompiledPolicy(
        scale=Scale(denominator, loaded["rounding"]["places"], loaded["rounding"]["mode"]),
        reference_dates=tuple(loaded["reference_dates"].items()),
        dates_on=dates_on,
        facts=tuple((name, derive) for name, derive, _ in facts),
        gates=gates, criteria=criteria, groups=groups,
        threshold=loaded["threshold"], threshold_for=threshold_for,
        round_on=_round_rule(dates_on, threshold_for),
        marked=loaded["threshold"]["pass_mark"] != "none",
        entitlements=tuple((e["id"], e["min_points"]) for e in loaded["entitlements"]),
        omitted=tuple({"id": o["id"], "label": o["label"], "reason": o["reason"]}
                      for o in loaded["omitted"]),
        doubtful=_doubts(loaded["criteria"]),
        standing_notes=_understate(loaded["omitted"]),
        simple_reads=itemgetter(*simple) if len(simple) > 1 else (
            (lambda values: (values[simple[0]],)) if simple else (lambda values: ())),
        other_reads=tuple((n, ENCODERS[types[n]]) for n in policy.reads
                          if types[n] not in SIMPLE),
        evaluate=_evaluator(facts, [(g[1], _inline(GATES[spec["kind"]], spec))
                                    for g, spec in zip(gates, loaded["gates"])],
                            criteria, groups),
    )


def _inline(kind, spec) -> str | None:
    """A fact's or gate's evaluator as one expression, where its kind gives one."""
    return kind.inline(spec) if hasattr(kind, "inline") else None


def _evaluator(facts: tuple, gates: list, criteria: tuple, groups: tuple):
    """(values, dates) -> (passed, ticks): the facts written into `values`, then each
    gate's outcome and each criterion's ticks, group caps applied; one function for the
    policy. `facts`: (name, evaluator, inline text or None); `gates`: (evaluator, inline
    text or None).

    A score runs some thirty small evaluators; calling each one (and looping over them)
    was over a third of a score. So this function is written out as Python text and
    compiled once per policy: an evaluator whose kind gives it as an expression (the
    kind's `inline`; its `compile` is the same text, see rules/criteria/inputs.py
    as_function) is written in place, any other is called by a name bound to it. The
    steps, their order and the caps are those of the evaluators one by one and
    `apply_group_caps`, so the results are the same. The text is kept as
    `evaluate.source`.
    """
    bound: dict = {"cap_group": cap_group}

    def call(source, evaluator, name, args):
        if source is not None:
            return f"({source})"
        bound[name] = evaluator
        return f"{name}({args})"

    lines = ["def evaluate(values, dates):"]
    for i, (name, derive, source) in enumerate(facts):
        lines.append(f"    values[{name!r}] = {call(source, derive, f'fact_{i}', 'values, dates')}")
    lines.append("    passed = [")
    lines += [f"        {call(source, check, f'gate_{i}', 'values')},"
              for i, (check, source) in enumerate(gates)]
    lines.append("    ]")
    lines.append("    ticks = [")
    for i, c in enumerate(criteria):
        raw = call(c.inline, c.raw, f"criterion_{i}", "values")
        if c.binds:  # as _with_cap
            raw = f"({c.cap!r} if (_t := {raw}) > {c.cap!r} else " \
                  f"(-{c.cap!r} if _t < -{c.cap!r} else _t))"
        lines.append(f"        {raw},  # {c.id!r}")
    lines.append("    ]")
    for cap, members in groups:
        if members:  # as apply_group_caps: only a sum beyond the cap changes anything
            total = " + ".join(f"ticks[{i}]" for i in members)
            lines.append(f"    if not -{cap!r} <= {total} <= {cap!r}:")
            lines.append(f"        cap_group({cap!r}, {members!r}, ticks)")
    lines.append("    return passed, ticks")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<policy evaluator>", "exec"), bound)  # noqa: S102 (text written above)
    evaluate = bound["evaluate"]
    evaluate.source = source
    return evaluate


def threshold_on(policy: Policy, as_of: dt.date) -> tuple[Decimal, bool, int | None]:
    """(threshold, estimated, round year) for an application dated as_of."""
    return compiled_of(policy).threshold_for(as_of)[:3]


def _number_text(value) -> str:
    if isinstance(value, int):
        return str(value)
    return str(value.normalize()) if value != int(value) else str(int(value))


def _records_text(records) -> str:
    return "[" + ",".join(f'["{r["date"].isoformat()}","{r["kind"]}"]' for r in records) + "]"


ENCODERS = {
    "date": lambda v: v.isoformat(),
    "number": _number_text,
    "records": _records_text,
}


def decision_material(policy: Policy, values: dict, as_of: dt.date) -> str:
    """What a decision id digests: the policy hash, the date and the canonical values the
    policy reads. Integers, enum values and booleans are written as Python's repr of their
    tuple; dates as ISO dates, numbers without trailing zeros, records as [date, kind]."""
    compiled = compiled_of(policy)
    parts = [policy.sha256, as_of.isoformat(), repr(compiled.simple_reads(values))]
    for name, encode in compiled.other_reads:
        value = values[name]
        parts.append("None" if value is None else encode(value))
    return "|".join(parts)


def decision_id(policy: Policy, values: dict, as_of: dt.date, key: DecisionKey) -> str:
    """Keyed and deterministic: HMAC under `key` of the decision's material (decision.py
    says why it is keyed)."""
    return key.digest(decision_material(policy, values, as_of))


def apply_group_caps(groups: tuple, ticks: list) -> None:
    """Bound each group's sum; the excess comes off the members from the last one back."""
    for cap, members in groups:
        cap_group(cap, members, ticks)


def cap_group(cap, members: tuple, ticks: list) -> None:
    """Bound one group's sum (apply_group_caps)."""
    total = sum([ticks[i] for i in members])
    if -cap <= total <= cap:
        return
    sign = 1 if total > 0 else -1
    excess = abs(total) - cap
    for i in reversed(members):
        take = min(excess, max(sign * ticks[i], 0))
        ticks[i] -= sign * take
        excess -= take
        if not excess:
            break


def _understate(omitted: list) -> tuple:
    if not omitted:
        return ()
    return ({"code": "may_understate",
             "zh": "本政策文件未计入以下指标，总分可能偏低："
                   + "、".join(o["label"]["zh"] for o in omitted) + "。",
             "en": "This total may understate: the policy does not score "
                   + "; ".join(o["label"]["en"] for o in omitted) + "."},)


def _doubts(criteria: list) -> tuple:
    """Per criterion, what an answer says of its unsure figures; empty when all are sure
    (so that answers of such a policy skip the look)."""
    found = tuple(_doubt(c) for c in criteria)
    return found if any(found) else ()


def _doubt(criterion: dict) -> dict | None:
    """What an answer says of a criterion whose figures are not sure (medium or low
    confidence, or a stated choice): None for a high-confidence one."""
    if criterion.get("confidence") == "high" and not criterion.get("choice"):
        return None
    return {"id": criterion["id"], "label": criterion["label"],
            "confidence": criterion.get("confidence"), "choice": bool(criterion.get("choice")),
            "source": criterion.get("source")}


def estimate_note(threshold, round_year) -> dict:
    return {
        "code": "threshold_estimated",
        "zh": f"{round_year}年度的落户分值尚未公布，按最近一次公布的分值{threshold}估算。",
        "en": f"The cutoff of the {round_year} round is not published yet; the latest "
              f"published cutoff, {threshold}, is used as an estimate.",
    }


def tally(policy: Policy, values: dict, as_of: dt.date) -> tuple:
    """(eligible, passes, total, ticks per criterion) without building a result: for
    searches and simulations over many applications. The same steps as `score`, which
    stays the one that answers callers (a test holds them equal)."""
    compiled: CompiledPolicy = compiled_of(policy)
    passed, ticks = compiled.evaluate(dict(values), compiled.dates_on(as_of))
    eligible = all(passed)
    total = compiled.scale.points(sum(ticks))
    return eligible, meets(compiled, eligible, total, compiled.threshold_for(as_of)[0]), \
        total, ticks


def probe(policy: Policy, values: dict, as_of: dt.date) -> tuple[bool, Decimal, Decimal]:
    """(passes, total, threshold), by `tally`."""
    _, passes, total, _ = tally(policy, values, as_of)
    return passes, total, compiled_of(policy).threshold_for(as_of)[0]


def score(policy: Policy, values: dict, as_of: dt.date,
          key: DecisionKey | None = None) -> ScoreResult:
    """Score one application whose values the policy's applicant parser produced. With the
    deployment's `key` the result carries its decision id; without (a step inside a
    search, never shown to a caller) the id is None."""
    compiled: CompiledPolicy = compiled_of(policy)
    values = dict(values)
    dates, (threshold, estimated, round_year, notes) = compiled.round_on(as_of)
    passed, ticks = compiled.evaluate(values, dates)
    eligible = all(passed)
    total_ticks = sum(ticks)
    total = compiled.scale.points(total_ticks)
    decision = None if key is None else decision_id(policy, values, as_of, key)
    return ScoreResult(
        policy, compiled, values, as_of, decision, round_year, eligible,
        passed, ticks, total_ticks, total, threshold, estimated,
        meets(compiled, eligible, total, threshold),
        [e for e, least in compiled.entitlements if eligible and total >= least]
        if compiled.entitlements else [],
        [*notes, *compiled.standing_notes])
