"""Derived facts: values computed from the applicant's input at a reference date. Each
fact kind is a module of service/rules/facts/."""

from __future__ import annotations

from service.rules.facts import FACTS


def compile_facts(facts: dict) -> list:
    """(name, evaluator(values, dates)) pairs, in declaration order."""
    return [(name, FACTS[spec["kind"]].compile(spec)) for name, spec in facts.items()]
