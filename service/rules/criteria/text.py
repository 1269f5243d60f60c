"""Words for rules: numbers and units in Chinese and English."""

from __future__ import annotations

from decimal import Decimal

UNIT_WORDS = {
    "year": ("年", "year", "years"),
    "month": ("个月", "month", "months"),
    "day": ("天", "day", "days"),
    "point": ("分", "point", "points"),
    "item": ("项", "item", "items"),
    "cny": ("元", "CNY", "CNY"),
    "ratio": ("倍", "", ""),
    None: ("", "unit", "units"),
}


def num(value) -> str:
    """A number as people write it: 10.5, 3, -0.25 (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    return str(value)


def points_en(value) -> str:
    return f"{num(value)} point" + ("" if abs(Decimal(value)) == 1 else "s")


def unit_en(unit: str | None, count) -> str:
    zh, one, many = UNIT_WORDS.get(unit, UNIT_WORDS[None])
    return one if Decimal(count) == 1 else many


def unit_zh(unit: str | None) -> str:
    return UNIT_WORDS.get(unit, UNIT_WORDS[None])[0]


def with_cap(text: dict[str, str], cap) -> dict[str, str]:
    if cap is None:
        return text
    return {"zh": f"{text['zh']}，最高{num(cap)}分", "en": f"{text['en']}, at most {num(cap)}"}
