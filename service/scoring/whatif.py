"""What-if scenarios: changes to an application by dotted field path, and their deltas."""

from __future__ import annotations

import copy
import math
from decimal import Decimal

from service.policy.errors import ApplicantInvalid
from service.policy.model import FieldSpec

from .result import ScoreResult

NUMERIC = ("integer", "number")


def _get(applicant: dict, path: str):
    node = applicant
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _put(applicant: dict, path: str, value) -> bool:
    node = applicant
    *parents, leaf = path.split(".")
    for part in parents:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            return False
        node = child
    node[leaf] = value
    return True


def _out_of_range(spec: FieldSpec, total) -> str | None:
    """Why the sum of an addition cannot be the field's value, or None. Every number field
    has a maximum, so an addition is refused here by name rather than deep in the parser."""
    if isinstance(total, float) and not math.isfinite(total):
        return "The sum is not a finite number."
    if spec.max is not None and total > spec.max:
        return f"Makes the value {_shown(total)}, above the maximum {spec.max}."
    if spec.min is not None and total < spec.min:
        return f"Makes the value {_shown(total)}, below the minimum {spec.min}."
    return None


def _shown(number) -> str:
    text = repr(number)
    return text if len(text) <= 24 else f"{Decimal(number):.6g}"


def apply_changes(applicant: dict, set_values: dict, add_values: dict,
                  fields: dict[str, FieldSpec], prefix: str) -> dict:
    """A copy of the applicant with `set` values put and `add` values added, by dotted path.

    Raises ApplicantInvalid naming `prefix.set.<path>` or `prefix.add.<path>` for an
    unknown field, an addition to a field that is not a number, a value that is not one,
    or an addition whose sum falls outside the field's range (above its maximum).
    """
    changed = copy.deepcopy(applicant)
    errors: dict[str, list[str]] = {}
    for path, value in (set_values or {}).items():
        if path not in fields:
            errors[f"{prefix}.set.{path}"] = ["Unknown field for this policy."]
        elif not _put(changed, path, value):
            errors[f"{prefix}.set.{path}"] = ["A part of this path is not an object."]
    for path, amount in (add_values or {}).items():
        where = f"{prefix}.add.{path}"
        spec = fields.get(path)
        if spec is None:
            errors[where] = ["Unknown field for this policy."]
            continue
        if spec.type not in NUMERIC:
            errors[where] = [f"Only numbers can be added to; this is a {spec.type} field."]
            continue
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            errors[where] = ["Not a number."]
            continue
        current = _get(changed, path)
        if current is None:
            current = spec.default
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            errors[where] = ["The application has no number here to add to."]
            continue
        total = current + amount
        problem = _out_of_range(spec, total)
        if problem:
            errors[where] = [problem]
            continue
        if isinstance(total, float) and total.is_integer() and spec.type == "integer":
            total = int(total)
        _put(changed, path, total)
    if errors:
        raise ApplicantInvalid(errors)
    return changed


def _points(result: ScoreResult) -> dict[str, float]:
    shown = result.scale.shown
    return {c.id: shown(t)[0] for c, t in zip(result.compiled.criteria, result.ticks)}


def delta(base: ScoreResult, other: ScoreResult) -> dict:
    """What changed from the baseline: total, margin, passes, and each criterion's points
    (a criterion only one of the two policies has counts as 0 in the other)."""
    before, after = _points(base), _points(other)
    criteria = {name: round(after.get(name, 0.0) - before.get(name, 0.0), 6)
                for name in list(before) + [n for n in after if n not in before]}
    return {
        "total": float(other.total - base.total),
        "margin": None if base.margin is None or other.margin is None
        else float(other.margin - base.margin),
        "passes": {"from": base.passes, "to": other.passes,
                   "changed": base.passes != other.passes},
        "eligible": {"from": base.eligible, "to": other.eligible},
        "criteria": criteria,
    }
