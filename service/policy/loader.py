"""Policy files -> resolved, validated, hashed and compiled policies.

`load_policy_dir` reads every tier and city file, and either returns all of
them or raises `PolicyInvalid` listing every problem with its file and field
path: a directory is served whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from marshmallow import ValidationError

from service.rules.criteria import KINDS
from service.rules.facts import FACTS
from service.rules.fields import PROVENANCE_KEYS
from service.rules.gates import GATES

from .applicant import parser_of
from .checks import NUMERIC, check_policy, effective_max
from .errors import PolicyInvalid, Problem
from .model import FieldSpec, Policy
from .paths import messages_by_path
from .schema import CityPolicy, TierFile
from .yaml_io import PolicyTree, StrictYAMLError, load_yaml, read_capped, walk_policy_tree

PUBLISHED = "published.yaml"
BY_ID = ("gates", "criteria")


@dataclass(frozen=True)
class PolicyDir:
    """Every policy found in one directory, grouped by city, oldest version first."""

    root: str
    tiers: dict
    cities: dict[str, list[Policy]]
    published: dict
    # (city, version) of a withdrawn version -> {replaced_by, reason}: a published version
    # proved wrong is never edited; its correction supersedes it for the same dates.
    withdrawn: dict = field(default_factory=dict)

    def all(self):
        for versions in self.cities.values():
            yield from versions


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value):
    """YAML data with every mapping key as a string (so it hashes and serialises)."""
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _key(k) -> str:
    if k is True:
        return "true"
    if k is False:
        return "false"
    return str(k)


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    """Marshmallow's nested messages as (dotted path, message) pairs."""
    return [(path, m) for path, found in messages_by_path(messages, prefix).items()
            for m in found]


def _named_errors(messages: dict, raw: dict) -> list[tuple[str, str]]:
    """Flatten errors, naming list items of gates and criteria by their id."""
    out = []
    for key, inner in messages.items():
        items = raw.get(key) if isinstance(raw, dict) else None
        ids = None
        if key in BY_ID and isinstance(items, list):
            ids = {i: item.get("id") for i, item in enumerate(items) if isinstance(item, dict)}
        if ids is not None and isinstance(inner, dict):
            for index, msg in inner.items():
                name = f"{index}({ids.get(index)})" if isinstance(index, int) else str(index)
                out += flatten_errors(msg, f"{key}.{name}")
        else:
            out += flatten_errors(inner, str(key))
    return out


def merge(tier_defaults: dict, city: dict) -> dict:
    """The tier's defaults under the city file: mappings by key, gates and criteria by id.
    A field the city sets to null is left out (a version that must refuse it)."""
    merged = dict(tier_defaults)
    for key, value in city.items():
        base = merged.get(key)
        if key in BY_ID and isinstance(base, list) and isinstance(value, list):
            overrides = {v.get("id"): v for v in value if isinstance(v, dict)}
            kept = [b for b in base if not (isinstance(b, dict) and b.get("id") in overrides)]
            merged[key] = kept + value
        elif isinstance(base, dict) and isinstance(value, dict):
            merged[key] = {**base, **value}
            if key == "fields":  # a city leaves a tier field out by setting it to null
                merged[key] = {k: v for k, v in merged[key].items() if v is not None}
        else:
            merged[key] = value
    return merged


def _read(path: Path, rel: str, problems: list[Problem]):
    try:
        data = load_yaml(read_capped(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, StrictYAMLError) as exc:  # OSError: UnsafeFile too
        problems.append(Problem(rel, "", f"Cannot read: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "The file must hold a mapping."))
        return None
    return data


def _matching(tree: PolicyTree, pattern: str) -> list[str]:
    """The files of the tree that match a glob such as "cities/*/*.yaml", sorted."""
    parts = pattern.split("/")
    return [rel for rel in tree.files if len(rel.split("/")) == len(parts)
            and all(fnmatchcase(name, glob) for name, glob in zip(rel.split("/"), parts))]


def _load_tiers(root: Path, tree: PolicyTree, problems: list[Problem]) -> dict:
    tiers = {}
    for rel in _matching(tree, "tiers/*.yaml"):
        path = root / rel
        raw = _read(path, rel, problems)
        if raw is None:
            continue
        try:
            tier = TierFile().load(raw)
        except ValidationError as exc:
            problems += [Problem(rel, p, m) for p, m in flatten_errors(exc.messages)]
            continue
        if tier["tier"] != path.stem:
            problems.append(Problem(rel, "tier", f"Must match the file name {path.stem!r}."))
            continue
        tiers[tier["tier"]] = tier
    return tiers


def _field_specs(loaded: dict, tier: dict) -> dict[str, FieldSpec]:
    """The declared fields; a numeric one carries its effective maximum (its own `max`, else
    its tier's input limit for its unit), which the parsers enforce and the form shows."""
    out = {}
    for name, spec in loaded["fields_"].items():
        if spec["type"] in NUMERIC:
            spec = {**spec, "max": effective_max(spec, tier),
                    "max_from": "field" if spec["max"] is not None else "tier"}
        out[name] = FieldSpec(path=name, **spec)
    return out


def _reads(loaded: dict) -> tuple[str, ...]:
    """The declared fields the policy reads, directly or through its facts."""
    facts = loaded["facts"]
    names: list[str] = [n for c in loaded["criteria"] for n in KINDS[c["kind"]].reads(c)]
    names += [n for g in loaded["gates"] for n in GATES[g["kind"]].reads(g)]
    names += [t["key"] for t in loaded["threshold"]["tie_break"]]
    out: set[str] = set()

    def add(name: str) -> None:
        fact = facts.get(name)
        if fact is None:
            out.add(name)
        else:
            for dep in FACTS[fact["kind"]].reads(fact):
                add(dep)

    for name in names:
        add(name)
    return tuple(n for n in loaded["fields_"] if n in out)


def _load_city(path: Path, rel: str, tiers: dict, problems: list[Problem]) -> Policy | None:
    raw = _read(path, rel, problems)
    if raw is None:
        return None
    return build_city(raw, rel, tiers, problems, directory=path.parent.name, stem=path.stem)


def build_city(raw: dict, rel: str, tiers: dict, problems: list[Problem],
               directory: str | None = None, stem: str | None = None) -> Policy | None:
    """A city document (already read) merged with its tier, validated and compiled; or None
    with the problems appended, each naming `rel` and the field path."""
    tier = tiers.get(raw.get("tier"))
    if tier is None:
        problems.append(Problem(rel, "tier", f"Unknown tier {raw.get('tier')!r}; "
                                f"known: {', '.join(sorted(tiers))}."))
        return None
    document = _plain(merge(_raw_defaults(tier), raw))
    try:
        loaded = CityPolicy().load(document)
    except ValidationError as exc:
        problems += [Problem(rel, p, m) for p, m in _named_errors(exc.messages, document)]
        return None
    found = [Problem(rel, p, m) for p, m in check_policy(loaded, tier)]
    if directory is not None and loaded["city"] != directory:
        found.append(Problem(rel, "city", f"Must match the directory {directory!r}."))
    if stem is not None and loaded["version"] != stem:
        found.append(Problem(rel, "version", f"Must match the file name {stem!r}."))
    if found:
        problems += found
        return None
    document["tier_info"] = {k: tier[k] for k in ("tier", "title", "points_system",
                                                  "insurance_condition_max_years")}
    policy = Policy(
        city=loaded["city"], tier=loaded["tier"], version=loaded["version"],
        effective_from=date.fromisoformat(loaded["effective_from"]),
        effective_to=date.fromisoformat(loaded["effective_to"]) if loaded["effective_to"] else None,
        sha256=hashlib.sha256(canonical_json(rules_of(document)).encode()).hexdigest(),
        file=rel, document=document, fields=_field_specs(loaded, tier), reads=_reads(loaded),
        spec=loaded,
    )
    parser_of(policy)  # built now, so that a loaded policy's first request pays nothing
    return policy


def rules_of(document: dict) -> dict:
    """The part of a resolved policy that decides scores, which its hash covers: all of it
    but the provenance of its figures (`source`, `confidence`, `choice` on criteria, gates
    and the threshold), the declared `omitted` indicators and whether the scheme is
    `official` or a model. Saying where a figure was
    read, or how sure we are of it, changes no decision, so a published version may gain
    or correct its provenance without a new version (git keeps that history)."""
    out = {k: v for k, v in document.items() if k not in ("omitted", "official")}
    for key in ("criteria", "gates", "threshold"):
        if key in out:
            out[key] = _without_provenance(out[key])
    return out


def _without_provenance(value):
    if isinstance(value, dict):
        return {k: _without_provenance(v) for k, v in value.items()
                if k not in PROVENANCE_KEYS}
    if isinstance(value, list):
        return [_without_provenance(v) for v in value]
    return value


def load_inline_policy(source, tiers: dict, name: str = "<inline>") -> Policy:
    """A draft city policy given as YAML or JSON text (or already a mapping), validated
    against the served tiers exactly as a file would be; raises PolicyInvalid."""
    problems: list[Problem] = []
    if isinstance(source, str):
        try:
            source = load_yaml(source)  # JSON is YAML too
        except StrictYAMLError as exc:
            raise PolicyInvalid([Problem(name, "", f"Cannot read: {exc}")]) from None
    if not isinstance(source, dict):
        raise PolicyInvalid([Problem(name, "", "The policy must be a mapping.")])
    policy = build_city(source, name, tiers, problems)
    if policy is None:
        raise PolicyInvalid(problems)
    return policy


def _raw_defaults(tier: dict) -> dict:
    defaults = tier["defaults"]
    names = {"fields_": "fields"}
    return {names.get(k, k): v for k, v in defaults.items() if v is not None}


def _withdrawals(cities: dict[str, list[Policy]], problems: list[Problem]) -> dict:
    """The versions that corrections supersede: {(city, version): {replaced_by, reason}}.
    A correction starts with the version it replaces and ends no later."""
    out: dict = {}
    for versions in cities.values():
        by_version = {p.version: p for p in versions}
        for policy in versions:
            given = policy.spec.get("supersedes")
            if not given:
                continue
            target = by_version.get(given["version"])
            key = (policy.city, given["version"])
            if target is None or target is policy:
                problems.append(Problem(policy.file, "supersedes.version",
                                        f"{policy.city!r} has no other version "
                                        f"{given['version']!r} to supersede."))
            elif not _within(policy, target):
                problems.append(Problem(policy.file, "effective_from",
                                        f"A correction starts on the day the version it "
                                        f"supersedes starts ({target.effective_from}) and ends "
                                        f"no later ({target.effective_to or 'open end'})."))
            elif key in out:
                problems.append(Problem(policy.file, "supersedes.version",
                                        f"{given['version']!r} is superseded already by "
                                        f"{out[key]['replaced_by']!r}."))
            else:
                out[key] = {"replaced_by": policy.version, "reason": given["reason"]}
    return out


def _within(correction: Policy, target: Policy) -> bool:
    """A correction starts with the version it replaces and ends no later: the dates it
    gives up (a replaced open-ended version, now followed by a newer scheme) go to the
    versions after it."""
    if correction.effective_from != target.effective_from:
        return False
    if target.effective_to is None:
        return True
    return correction.effective_to is not None and correction.effective_to <= target.effective_to


def _check_overlaps(cities: dict[str, list[Policy]], withdrawn: dict,
                    problems: list[Problem]) -> None:
    """Versions in force may not overlap; a withdrawn one is out of the way."""
    for versions in cities.values():
        versions.sort(key=lambda p: p.effective_from)
        serving = [p for p in versions if (p.city, p.version) not in withdrawn]
        for a, b in zip(serving, serving[1:]):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                problems.append(Problem(b.file, "effective_from",
                                        f"Overlaps {a.file} (in force from "
                                        f"{a.effective_from} to {a.effective_to or 'open end'})."))


def _check_published(root: Path, tree: PolicyTree, cities: dict,
                     problems: list[Problem]) -> dict:
    path = root / PUBLISHED
    if PUBLISHED not in tree.files:  # absent, or refused by the walk already
        return {}
    raw = _read(path, PUBLISHED, problems) or {}
    known = {(p.city, p.version): p for v in cities.values() for p in v}
    for city, versions in raw.items():
        for version, digest in (versions or {}).items():
            policy = known.get((str(city), str(version)))
            if policy is None:
                problems.append(Problem(PUBLISHED, f"{city}.{version}",
                                        "A published version is missing from the directory."))
            elif policy.sha256 != digest:
                problems.append(Problem(policy.file, "",
                                        f"Published version changed: sha256 {policy.sha256} "
                                        f"differs from the published {digest}. Publish a new "
                                        "version instead of editing this one."))
    return raw


def load_policy_dir(root: str | Path, *, check_published: bool = True,
                    city: str | None = None) -> PolicyDir:
    """Load, validate and compile every policy under `root`; raise PolicyInvalid on any problem.
    With `city` (a one-off command about one city), only that city's files and the tiers:
    a set that holds no file of that city is loaded whole, so that an unknown city is named
    among the known ones."""
    root = Path(root)
    # Only what the walk found to be regular files inside `root` is ever opened: a FIFO,
    # a device, a link loop or a link out of the directory is a problem of the set.
    tree = walk_policy_tree(root)
    problems = [Problem(rel, "", message) for rel, message in tree.problems]
    if "tiers" not in tree.dirs or "cities" not in tree.dirs:
        raise PolicyInvalid(problems + [Problem(str(root), "",
                                                "Needs tiers/ and cities/ directories.")])
    tiers = _load_tiers(root, tree, problems)
    cities: dict[str, list[Policy]] = {}
    files = _matching(tree, "cities/*/*.yaml")
    if city is not None and any(rel.split("/")[1] == city for rel in files):
        files = [rel for rel in files if rel.split("/")[1] == city]
        check_published = False  # published.yaml names every city's versions
    for rel in files:
        policy = _load_city(root / rel, rel, tiers, problems)
        if policy is not None:
            cities.setdefault(policy.city, []).append(policy)
    withdrawn = _withdrawals(cities, problems)
    _check_overlaps(cities, withdrawn, problems)
    published = _check_published(root, tree, cities, problems) if check_published else {}
    if problems:
        raise PolicyInvalid(problems)
    if not cities:
        raise PolicyInvalid([Problem(str(root), "cities", "No city policy found.")])
    return PolicyDir(root=str(root), tiers=tiers, cities=cities, published=published,
                     withdrawn=withdrawn)
