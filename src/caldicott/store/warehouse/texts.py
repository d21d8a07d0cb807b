"""Records' JSON texts as slices of the few buffers they were read in.

A load reads files in blocks of a few megabytes; each record it keeps is a slice of one.
Rather than copy every record into a bytes object of its own and then again into an Arrow
column, :class:`Texts` keeps the blocks and each record's (block, start, end), and hands
DuckDB an Arrow *string view* array over the blocks themselves: one 16-byte view a
record, no copy of the text. Each view is checked to lie within its buffer first, so a
wrong offset is an error, never a read past a buffer.

The array is typed as Arrow's JSON extension type, which DuckDB takes as its JSON type as
it is: the parser proved every record well-formed JSON, and a CAST would parse each one
again (a fifth of DuckDB's cost of inserting them). DuckDB still checks the text is UTF-8
as it stores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from caldicott.errors import IntegrityError

#: A string view of this many bytes or fewer holds the bytes inline (Arrow's layout).
INLINE = 12
_VIEW = np.dtype([("len", "<i4"), ("prefix", "V4"), ("buf", "<i4"), ("off", "<i4")])


@dataclass(slots=True)
class Texts:
    """Text ``i`` is ``buffers[which[i]][starts[i]:ends[i]]``."""

    buffers: list[bytes] = field(default_factory=list)
    which: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, texts: Sequence[bytes]) -> Texts:
        """Texts given one by one (copied into one buffer)."""
        starts, ends, at = [], [], 0
        for t in texts:
            starts.append(at)
            at += len(t)
            ends.append(at)
        return cls([b"".join(texts)], [0] * len(texts), starts, ends)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> bytes:
        return self.buffers[self.which[i]][self.starts[i] : self.ends[i]]

    def arrow(self) -> pa.Array:
        """The texts as an Arrow JSON array, viewing the buffers without copying them.

        Viewed, not checked as UTF-8 by Arrow: the parser proved each record UTF-8
        (Arrow's check cost 1.5 µs a row), and DuckDB still refuses bad bytes.
        """
        n = len(self.starts)
        starts = np.asarray(self.starts, np.int64)
        ends = np.asarray(self.ends, np.int64)
        which = np.asarray(self.which, np.int64)
        lengths = ends - starts
        if n and (starts.min() < 0 or lengths.min() < 0 or which.min() < 0):
            raise IntegrityError("a record's text has a negative place in its block")
        if n and which.max() >= len(self.buffers):
            raise IntegrityError("a record's text names no block")
        if n and (
            lengths.min() <= INLINE
            or ends.max() > np.iinfo(np.int32).max
            or len(self.buffers) > n // 8 + 1
        ):
            # a text this short is no resource, views address 2 GiB, and where most
            # buffers hold a record or two (held records read back) a copy is cheaper
            return json_texts([self[i] for i in range(n)])
        views = np.zeros(n, _VIEW)
        views["len"] = lengths
        views["buf"] = which
        views["off"] = starts
        prefix = np.zeros((n, 4), np.uint8)
        # the records of each buffer, grouped by one sort (held records read back are a
        # buffer each: a pass over every record per buffer would be quadratic)
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(self.buffers) + 1))
        for b, buf in enumerate(self.buffers):
            sel = order[bounds[b] : bounds[b + 1]]
            if not len(sel):
                continue
            if int(ends[sel].max()) > len(buf):
                raise IntegrityError("a record's text lies outside the block it was read in")
            data = np.frombuffer(buf, np.uint8)
            prefix[sel] = data[starts[sel, None] + np.arange(4)]
        views["prefix"] = prefix.view("V4").ravel()
        buffers = [None, pa.py_buffer(views.tobytes())] + [pa.py_buffer(b) for b in self.buffers]
        return as_json(pa.Array.from_buffers(pa.string_view(), n, buffers))


def as_json(strings: pa.Array) -> pa.Array:
    """Strings of well-formed JSON, typed so (DuckDB reads them as JSON, unparsed)."""
    return pa.ExtensionArray.from_storage(pa.json_(strings.type), strings)


def json_texts(texts: Sequence[bytes]) -> pa.Array:
    """Records' texts, each well-formed UTF-8 JSON, copied into one Arrow JSON array."""
    return as_json(pa.array(texts, pa.binary()).view(pa.string()))
