"""The policies being served: resolution by city and date, and atomic reload.

The registry holds one immutable `PolicyDir` at a time. A reload builds a new
one off to the side and swaps the reference only if every file is valid, so
a request sees either the old set or the new one, never a mix, and a bad
directory never replaces a good one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass

from .errors import PolicyInvalid, PolicyNotFound
from .loader import PolicyDir, load_policy_dir
from .model import Policy
from .snapshot import Snapshots

log = logging.getLogger("hukou.policies")


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    revision: str
    problems: list


def revision_of(policies: PolicyDir) -> str:
    """One hash naming the whole set: the sorted (city, version, sha256) triples."""
    triples = sorted(f"{p.city}/{p.version}/{p.sha256}" for p in policies.all())
    return hashlib.sha256("\n".join(triples).encode()).hexdigest()[:16]


class PolicyView:
    """One loaded set, never changed: a request that holds a view sees one set throughout,
    whatever reload happens meanwhile (a batch is never scored against two sets)."""

    def __init__(self, policies: PolicyDir):
        self.policies = policies
        self.revision = revision_of(policies)

    def cities(self) -> dict[str, list[Policy]]:
        return self.policies.cities

    def versions(self, city: str) -> list[Policy]:
        versions = self.policies.cities.get(city)
        if versions is None:
            known = ", ".join(sorted(self.policies.cities))
            raise PolicyNotFound("unknown_city", f"No policy for city {city!r}. "
                                 f"Known cities: {known}.", city=city, versions=[])
        return versions

    def withdrawal(self, policy: Policy) -> dict | None:
        """{replaced_by, reason} when a correction supersedes `policy`; else None."""
        return self.policies.withdrawn.get((policy.city, policy.version))

    def resolve(self, city: str, on: dt.date, version: str | None = None) -> Policy:
        """The version pinned (a withdrawn one too: an old decision can be reproduced), or
        the one in force on `on`, never a withdrawn one; PolicyNotFound names what exists."""
        versions = self.versions(city)
        names = [p.version for p in versions]
        if version is not None:
            for policy in versions:
                if policy.version == version:
                    return policy
            raise PolicyNotFound("unknown_version",
                                 f"City {city!r} has no version {version!r}. "
                                 f"Versions: {', '.join(names)}.", city=city, versions=names)
        withdrawn = self.policies.withdrawn
        for policy in versions:
            if policy.in_force(on) and (city, policy.version) not in withdrawn:
                return policy
        spans = "; ".join(f"{p.version} ({p.effective_from} to {p.effective_to or 'open end'})"
                          for p in versions)
        raise PolicyNotFound("not_in_force",
                             f"No policy of {city!r} is in force on {on.isoformat()}. "
                             f"Versions: {spans}.", city=city, versions=names, on=on.isoformat())


class PolicyRegistry:
    """The view being served, swapped whole by reload(); PolicyInvalid at start if the
    directory is not valid. resolve() and friends answer from the current view."""

    def __init__(self, root: str, *, check_published: bool = True,
                 snapshot_dir: str | None = None):
        self.root = root
        self.check_published = check_published
        self.snapshots = Snapshots(snapshot_dir) if snapshot_dir else None
        self._lock = threading.Lock()
        self.last_problems: list = []
        self.fallback = False  # serving the last good copy: the directory is bad
        self._view = self._first_view()
        self.loaded_at = dt.datetime.now(dt.UTC)

    def _load(self) -> PolicyDir:
        if self.snapshots is None:
            return load_policy_dir(self.root, check_published=self.check_published)
        staged = self.snapshots.stage(self.root)  # PolicyInvalid for a special file
        try:
            policies = load_policy_dir(staged, check_published=self.check_published)
        except BaseException:
            self.snapshots.discard(staged)
            raise
        try:
            self.snapshots.keep(staged, revision_of(policies))
        except OSError:  # the set is good; only the copy for later starts is missing
            log.exception("could not keep a snapshot of the policy directory")
            self.snapshots.discard(staged)
        return policies

    def _first_view(self) -> PolicyView:
        try:
            return PolicyView(self._load())
        except PolicyInvalid as exc:
            good = self.snapshots.current() if self.snapshots else None
            if good is None:
                raise
            self.last_problems, self.fallback = exc.problems, True
            return PolicyView(load_policy_dir(good, check_published=self.check_published))

    def view(self) -> PolicyView:
        return self._view

    @property
    def policies(self) -> PolicyDir:
        return self._view.policies

    @property
    def revision(self) -> str:
        return self._view.revision

    def reload(self) -> ReloadOutcome:
        """Load the directory again; swap only if all of it is valid."""
        with self._lock:
            try:
                fresh = self._load()
            except PolicyInvalid as exc:
                self.last_problems = exc.problems
                return ReloadOutcome(False, self.revision, exc.problems)
            self._view = PolicyView(fresh)
            self.loaded_at = dt.datetime.now(dt.UTC)
            self.last_problems, self.fallback = [], False
            return ReloadOutcome(True, self.revision, [])

    def cities(self) -> dict[str, list[Policy]]:
        return self._view.cities()

    def versions(self, city: str) -> list[Policy]:
        return self._view.versions(city)

    def resolve(self, city: str, on: dt.date, version: str | None = None) -> Policy:
        return self._view.resolve(city, on, version)

    def withdrawal(self, policy: Policy) -> dict | None:
        return self._view.withdrawal(policy)
