"""Dotted field paths: 'housing.owned_months' <-> {'housing': {'owned_months': ...}}."""

from __future__ import annotations


def nest(flat: dict) -> dict:
    """{'housing.owned_months': 3} -> {'housing': {'owned_months': 3}}."""
    out: dict = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def flatten(data: dict, prefix: str = "", out: dict | None = None) -> dict:
    """{'housing': {'owned_months': 3}} -> {'housing.owned_months': 3}."""
    out = {} if out is None else out
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flatten(value, path + ".", out)
        else:
            out[path] = value
    return out


def messages_by_path(messages, prefix: str = "", out: dict | None = None) -> dict:
    """Marshmallow's nested error messages as {dotted path: [message, ...]}."""
    out = {} if out is None else out
    if isinstance(messages, dict):
        for key, inner in messages.items():
            messages_by_path(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.setdefault(prefix, []).extend(messages)
    elif isinstance(messages, list):
        for inner in messages:
            messages_by_path(inner, prefix, out)
    else:
        out.setdefault(prefix, []).append(str(messages))
    return out
