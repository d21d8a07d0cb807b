"""DuckDB's dialect for views that need a decimal's written digits (its boundaries).

DuckDB's JSON functions read every number as a double and print it back shortest
(``json_extract`` gives ``1.5`` for ``1.50``, and there is no raw-number option), so
``lowBoundary()`` of ``1.50`` would be ``1.45`` where FHIRPath says ``1.495``. The stored
text still has the digits. For views that call ``lowBoundary()`` or ``highBoundary()`` the
engine reads the table through :func:`tagged_source`, which rewrites each decimal in the
text as a tagged string (the form ``tagged_decimals`` gives Spark), and this dialect reads
a tagged string as a decimal: its kind, value and text. Other views keep the plain
dialect and the element tables, which are faster.
"""

from __future__ import annotations

from caldicott.views.engines.sql_dialect import quote_text
from caldicott.views.engines.tagged_decimals import (
    TAG_IN_STRING,
    TAG_SQL,
    TAGGED_IN_JSON,
    TaggedDialect,
)

#: In JSON text, a whole string (group 1) or a number with a fraction or an exponent
#: (group 2). Strings are matched whole, so digits inside them are never taken for numbers.
_STRING_OR_DECIMAL = (
    r'("(?:[^"\\]|\\.)*")|(-?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|-?[0-9]+[eE][+-]?[0-9]+)'
)
_REFUSED = f"a string in a resource {TAG_IN_STRING}"


def tagged_source(table: str) -> str:
    """The table with each decimal in its resource text made a tagged string, as written.

    Valid JSON holds no raw control characters, so U+0002 and U+0003 can mark each match:
    strings come back as they were, decimals between the marks become the tagged string.
    A string that already starts with the tag is refused rather than misread.
    """
    text = "CAST(resource AS VARCHAR)"
    marked = (
        f"regexp_replace({text}, {quote_text(_STRING_OR_DECIMAL)}, "
        "'\\1' || chr(2) || '\\2' || chr(3), 'g')"
    )
    strings = f"regexp_replace({marked}, '\\x02\\x03', '', 'g')"
    tagged = f"regexp_replace({strings}, '\\x02([^\\x03]*)\\x03', '\"\\\\u0001\\1\"', 'g')"
    checked = (
        f"CASE WHEN contains({text}, '\"\\u0001') THEN CAST(error({quote_text(_REFUSED)}) AS JSON) "
        f"ELSE CAST({tagged} AS JSON) END"
    )
    return f"(SELECT id, {checked} AS resource FROM {table})"  # noqa: S608 - generator-made


class DecimalTextDialect(TaggedDialect):
    def _raw(self, item: str) -> str:
        return super().string(item)

    def _tagged(self, item: str) -> str:
        return f"starts_with({self._raw(item)}, {TAG_SQL})"

    def _untagged(self, item: str) -> str:
        return f"substr({self._raw(item)}, 2)"

    def kind(self, item: str) -> str:
        k = super().kind(item)
        return f"(CASE WHEN {k} = 'VARCHAR' AND {self._tagged(item)} THEN 'DOUBLE' ELSE {k} END)"

    def string(self, item: str) -> str:
        return f"ltrim({self._raw(item)}, {TAG_SQL})"

    def _parse_json(self, text: str) -> str:
        return f"CAST({text} AS JSON)"

    def comparable(self, value: str) -> str:
        # Tagged decimals back to JSON numbers, then DuckDB's own printing, so 1.50 = 1.5.
        text = f"CAST(to_json({value}) AS VARCHAR)"
        numbers = f"regexp_replace({text}, {self.quote(TAGGED_IN_JSON)}, '\\1', 'g')"
        return f"CAST(json_extract(CAST({numbers} AS JSON), '$') AS VARCHAR)"
