"""Random damage to JSON documents, for tests that a parser or validator never crashes."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def damage(
    node: Any,
    draw: st.DrawFn,
    junk: st.SearchStrategy[Any],
    keys: st.SearchStrategy[str],
    *,
    drop: bool = False,
    suffixes: list[str] | None = None,
    max_depth: int = 4,
    depth: int = 0,
) -> Any:
    """``node`` with one random change somewhere below it.

    In an object: a value replaced by ``junk``, a ``keys`` key added, a key dropped (with
    ``drop``), or the change made further down; in an array, to one of its items; a
    string may instead get one of ``suffixes`` appended; anything else is replaced.
    """
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        hows = ["replace", "add", "down", *(["drop"] if drop else [])]
        how = draw(st.sampled_from(hows if depth < max_depth else ["replace"]))
        out = dict(node)
        if how == "replace":
            out[key] = draw(junk)
        elif how == "add":
            out[draw(keys)] = draw(junk)
        elif how == "drop":
            del out[key]
        else:
            out[key] = damage(
                node[key], draw, junk, keys, drop=drop, suffixes=suffixes,
                max_depth=max_depth, depth=depth + 1,
            )  # fmt: skip
        return out
    if isinstance(node, list) and node:
        i = draw(st.integers(0, len(node) - 1))
        item = damage(
            node[i], draw, junk, keys, drop=drop, suffixes=suffixes,
            max_depth=max_depth, depth=depth + 1,
        )  # fmt: skip
        return [*node[:i], item, *node[i + 1 :]]
    if suffixes and isinstance(node, str) and draw(st.booleans()):
        return node + draw(st.sampled_from(suffixes))
    return draw(junk)
