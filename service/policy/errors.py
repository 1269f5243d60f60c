"""Errors raised by the policy layer, each carrying the file and field path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file: where, and what."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class PolicyInvalid(Exception):
    """A policy directory or file that must not be served; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PolicyNotFound(Exception):
    """No policy answers the request: unknown city, unknown version, or none in force."""

    def __init__(self, code: str, message: str, *, city: str, versions: list[str],
                 on: str | None = None):
        self.code = code
        self.city = city
        self.versions = versions
        self.on = on
        super().__init__(message)


class ApplicantInvalid(Exception):
    """An application that does not fit the policy's fields; errors keyed by field path."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
