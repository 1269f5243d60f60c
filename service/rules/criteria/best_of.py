"""best_of: the highest of several alternatives, each a criterion of another kind."""

from __future__ import annotations

import numpy as np
from marshmallow import ValidationError, fields

from ..fields import ByKind, CriterionBase
from .text import with_cap

NAME = "best_of"
BOUNDED = None  # bounded when every alternative is: see `bounded`


def _alternatives():
    from . import KINDS

    return {name: kind.Params for name, kind in KINDS.items() if name != NAME}


def _two_or_more(value):
    if not 2 <= len(value) <= 10:
        raise ValidationError("Give two to ten alternatives.")


# Filled on first use: the kinds registry imports this module.
_SCHEMAS: dict = {}


class Params(CriterionBase):
    of = fields.List(ByKind(_SCHEMAS), required=True, validate=_two_or_more)

    def __init__(self, *args, **kwargs):
        if not _SCHEMAS:
            _SCHEMAS.update(_alternatives())
        super().__init__(*args, **kwargs)


def _kind(p):
    from . import KINDS

    return KINDS[p["kind"]]


def amounts(p):
    return [a for alt in p["of"] for a in _kind(alt).amounts(alt)]


def bounded(p) -> bool:
    return all(_kind(alt).BOUNDED or (_kind(alt).BOUNDED is None and _kind(alt).bounded(alt))
               for alt in p["of"])


def reads(p):
    names = []
    for alt in p["of"]:
        names += [n for n in _kind(alt).reads(alt) if n not in names]
    return names


def compile(p, ctx):
    alternatives = [_kind(alt).compile(alt, ctx) for alt in p["of"]]
    return lambda values: max(evaluate(values) for evaluate in alternatives)


def shown(p):
    parts = [(alt["id"], _kind(alt).shown(alt)) for alt in p["of"]]
    return lambda values: {alt_id: show(values) for alt_id, show in parts}


_MARKS = "①②③④⑤⑥⑦⑧⑨⑩"


def rule(p, ctx):
    parts = [(alt["label"], _kind(alt).rule(alt, ctx)) for alt in p["of"]]
    # numbered, not bracketed: labels and rules carry brackets of their own
    zh = "取以下各项中最高者：" + "".join(f"{_MARKS[i]}{lab['zh']}——{r['zh']}"
                                        for i, (lab, r) in enumerate(parts))
    en = "the highest of: " + " ".join(f"({i + 1}) {lab['en']}: {r['en']}"
                                       for i, (lab, r) in enumerate(parts))
    return with_cap({"zh": zh, "en": en}, p["cap"])


# What-if: the categories of every input the alternatives read.
SEARCH = "category"


def check(p, where, ctx):
    out = []
    ids = [alt["id"] for alt in p["of"]]
    if len(set(ids)) != len(ids):
        out.append((f"{where}.of", "Alternatives need distinct ids."))
    for j, alt in enumerate(p["of"]):
        out += ctx.check_criterion(f"{where}.of.{j}({alt['id']})", alt)
    return out


def columnar_blocker(p, ctx):
    for alt in p["of"]:
        found = _kind(alt).columnar_blocker(alt, ctx)
        if found is not None:
            return found
    return None


def columnar(p, ctx):
    parts = [_kind(alt).columnar(alt, ctx) for alt in p["of"]]
    return lambda cols, facts: np.max(np.stack([part(cols, facts) for part in parts]), 0)
