"""The nesting limit read from the bytes agrees with the decoded document's depth."""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api.json_depth import nests_deeper_than

# Strings full of the characters that could fool a byte-level reading.
tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\/ab:,é\n\t'), max_size=12)
scalars = (st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)  # orjson's range
           | st.floats(allow_nan=False) | tricky_text)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=40,
)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(documents, st.integers(min_value=0, max_value=8), st.booleans())
def test_agrees_with_the_decoded_depth(document, limit, spaced):
    raw = (json.dumps(document, indent=1, ensure_ascii=False).encode() if spaced
           else orjson.dumps(document))
    assert nests_deeper_than(raw, limit) == (depth(document) > limit)


def test_brackets_and_quotes_inside_strings_do_not_count():
    raw = br'{"a": "[[[[{{{{", "b\\": ["\"]]]", "\\\\\"{"], "c": "\\"}'
    assert depth(orjson.loads(raw)) == 2
    assert not nests_deeper_than(raw, 2)
    assert nests_deeper_than(raw, 1)


def test_a_deep_document_is_caught_at_the_limit():
    raw = b"[" * 1000 + b"]" * 1000
    assert nests_deeper_than(raw, 999) and not nests_deeper_than(raw, 1000)
    assert not nests_deeper_than(b'"[[[["', 0) and not nests_deeper_than(b"12", 0)
