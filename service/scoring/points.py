"""Exact points: integer ticks of 1/denominator, rounded once, as the policy says."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import lcm


def common_denominator(amounts) -> int:
    """The least denominator that makes every amount a whole number of ticks."""
    denominator = 1
    for amount in amounts:
        denominator = lcm(denominator, Fraction(amount).denominator)
    return denominator


def round_exact(value: Fraction, places: int, mode: str = "half_up") -> Decimal:
    """Round an exact fraction to `places` decimals: half_up (ties away from zero),
    half_even, or down (towards zero)."""
    scaled = abs(value) * 10**places
    quotient, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if mode == "half_up" and twice >= scaled.denominator and remainder:
        quotient += 1
    elif mode == "half_even" and (twice > scaled.denominator
                                  or (twice == scaled.denominator and quotient % 2)):
        quotient += 1
    signed = -quotient if value < 0 else quotient
    return Decimal(signed).scaleb(-places)


def round_ticks(ticks, denominator: int, places: int, mode: str = "half_up") -> Decimal:
    """`ticks / denominator` rounded like `round_exact`, without a Fraction for whole ticks."""
    if not isinstance(ticks, int):
        return round_exact(Fraction(ticks) / denominator, places, mode)
    quotient, remainder = divmod(abs(ticks) * 10**places, denominator)
    if remainder:
        twice = 2 * remainder
        if (mode == "half_up" and twice >= denominator) or (
                mode == "half_even" and (twice > denominator
                                         or (twice == denominator and quotient % 2))):
            quotient += 1
    return Decimal(-quotient if ticks < 0 else quotient).scaleb(-places)


def exact_text(value: Fraction) -> str:
    """A fraction as a terminating decimal when it is one, else 'p/q' (e.g. '113/12')."""
    numerator, denominator = value.numerator, value.denominator
    twos = fives = 0
    rest = denominator
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{numerator}/{denominator}"
    places = max(twos, fives)
    if not places:
        return str(numerator)
    digits = abs(numerator) * (10**places // denominator)
    whole, part = divmod(digits, 10**places)
    sign = "-" if numerator < 0 else ""
    return f"{sign}{whole}.{part:0{places}d}"
