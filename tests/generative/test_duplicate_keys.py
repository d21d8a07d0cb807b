"""Property: the fast duplicate-key check of ``parse_record`` agrees with the exact one.

The texts are written by hand, not by a JSON library, so that they can repeat keys, put
any whitespace around colons and commas, and escape any character (colons included) as
``\\uXXXX``: the cases where counting colons could be fooled.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caldicott.ingest.parse import duplicate_key_path, parse_record

_SPACE = st.sampled_from(["", "", " ", "\t", "\n ", "\r\n"])
_CHARS = st.sampled_from([*'ab:":{}[], \\', "é", "\u2028"])


@st.composite
def _string(draw: st.DrawFn) -> str:
    out = []
    for ch in draw(st.lists(_CHARS, max_size=6)):
        if draw(st.booleans()) and ch not in '"\\':
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04{draw(st.sampled_from('xX'))}}")
    return '"' + "".join(out) + '"'


def _join(draw: st.DrawFn, parts: list[str], open_: str, close: str) -> str:
    inner = ",".join(draw(_SPACE) + p + draw(_SPACE) for p in parts)
    return open_ + inner + close


@st.composite
def _value(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["s", "n", "o", "a"] if depth < 3 else ["s", "n"]))
    if kind == "s":
        return draw(_string())
    if kind == "n":
        return draw(st.sampled_from(["1", "-2.50", "true", "null"]))
    if kind == "a":
        return _join(draw, draw(st.lists(_value(depth + 1), max_size=3)), "[", "]")
    return draw(_object(depth + 1))


@st.composite
def _object(draw: st.DrawFn, depth: int = 0) -> str:
    keys = draw(st.lists(_string(), max_size=4))
    if keys and draw(st.booleans()):
        keys.append(draw(st.sampled_from(keys)))  # the same text again: a repeat
    pairs = [k + draw(_SPACE) + ":" + draw(_SPACE) + draw(_value(depth)) for k in keys]
    return _join(draw, pairs, "{", "}")


def _repeats(raw: bytes) -> bool:
    """Ground truth: some object holds the same key twice (after unescaping)."""
    found = False

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        keys = [k for k, _ in pairs]
        found = found or len(set(keys)) < len(keys)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=hook)
    return found


@settings(max_examples=600, deadline=None)
@given(_object())
def test_a_repeated_key_is_found_exactly_when_there_is_one(text: str) -> None:
    raw = text.encode()
    obj, problem = parse_record(raw)
    repeated = _repeats(raw)
    assert (problem is not None and problem.code == "duplicate-key") == repeated
    assert (duplicate_key_path(raw) is not None) == repeated
    if not repeated:
        assert obj == json.loads(raw)
