"""Strict YAML reading: duplicate keys are errors and dates stay strings."""

from __future__ import annotations

import re

import yaml


class StrictYAMLError(ValueError):
    """A YAML document that is malformed or repeats a key."""


class _StrictLoader(yaml.SafeLoader):
    pass


# Dates are parsed on purpose by the schema, never guessed by YAML; and only
# true/false are booleans (YAML 1.2), so a key `on:` or a value `no` stays a string.
_GUESSED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _GUESSED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            line = key_node.start_mark.line + 1
            raise StrictYAMLError(f"duplicate key {key!r} at line {line}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str):
    """Parse one YAML document strictly; raises StrictYAMLError with the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise StrictYAMLError(str(exc).replace("\n", " ")) from exc
