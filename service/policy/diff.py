"""A structured diff between two resolved versions of a city's policy."""

from __future__ import annotations

from .model import Policy
from .schema import CityPolicy

KEYED = ("criteria", "gates", "groups", "entitlements", "omitted")
MAPPED = ("fields", "facts", "reference_dates")
SAME = ("city", "version")  # what names the two, not a change
# every other key of a resolved city policy, compared whole
WHOLE_KEYS = tuple(f.data_key or name for name, f in CityPolicy().fields.items()
              if (f.data_key or name) not in KEYED + MAPPED + SAME) + ("tier_info",)


def _by_id(items: list) -> dict:
    return {item["id"]: item for item in items or []}


def _compare(old: dict, new: dict) -> dict:
    added = [new[k] for k in new if k not in old]
    removed = [old[k] for k in old if k not in new]
    changed = [{"id": k, "old": old[k], "new": new[k], "keys": _changed_keys(old[k], new[k])}
               for k in old if k in new and old[k] != new[k]]
    return {"added": added, "removed": removed, "changed": changed}


def _changed_keys(old, new) -> list[str]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def diff_policies(old: Policy, new: Policy) -> dict:
    """What changed from `old` to `new`: per section added, removed and changed entries."""
    a, b = old.document, new.document
    out = {"city": new.city, "from": old.ref, "to": new.ref}
    for key in KEYED:
        out[key] = _compare(_by_id(a.get(key)), _by_id(b.get(key)))
    for key in MAPPED:
        old_map, new_map = a.get(key) or {}, b.get(key) or {}
        section = _compare(old_map, new_map)
        section["added"] = [k for k in new_map if k not in old_map]
        section["removed"] = [k for k in old_map if k not in new_map]
        out[key] = section
    # every other key (threshold, rounding, dates, title, source, notes, supersedes, ...)
    rest = [k for k in WHOLE_KEYS if k in a or k in b]
    out["changed"] = {k: {"old": a.get(k), "new": b.get(k)} for k in rest if a.get(k) != b.get(k)}
    out["identical"] = old.sha256 == new.sha256
    return out
