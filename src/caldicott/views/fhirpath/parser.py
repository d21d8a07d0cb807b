"""FHIRPath lexer and precedence-climbing parser producing the frozen tree in ``ast``.

Only the grammar is checked here; which functions exist and how they are called is
checked in :mod:`caldicott.views.fhirpath.check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from caldicott.views.fhirpath.ast import (
    Binary,
    Call,
    Empty,
    Expr,
    Index,
    Literal,
    Member,
    This,
    TypeName,
    TypeTest,
    Unary,
    Variable,
)

#: The largest integer literal: the SQL engines' integers are 64-bit (BIGINT).
MAX_INTEGER = 2**63 - 1


class FhirPathSyntaxError(ValueError):
    """The text is not FHIRPath; the message says where."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<datetime>@\d{4}(?:-\d{2}(?:-\d{2})?)?
        (?:T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
  | (?P<time>@T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<delimited>`(?:[^`\\]|\\.)*`)
  | (?P<env>%(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'))
  | (?P<special>\$this|\$index|\$total)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|[-+*/&|<>=~(),.\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"'": "'", '"': '"', "`": "`", "r": "\r", "n": "\n", "t": "\t", "f": "\f", "\\": "\\"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FhirPathSyntaxError(f"unexpected character {text[pos]!r} at position {pos}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


# Binary operators from loosest to tightest binding.
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("implies",),
    ("or", "xor"),
    ("and",),
    ("in", "contains"),
    ("=", "~", "!=", "!~"),
    ("<", ">", "<=", ">="),
    ("|",),
    ("is", "as"),
    ("+", "-", "&"),
    ("*", "/", "div", "mod"),
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.tok.text != text or self.tok.kind not in ("op",):
            self.fail(f"expected {text!r}")
        self.advance()

    def fail(self, what: str) -> None:
        tok = self.tok
        found = "end of expression" if tok.kind == "eof" else repr(tok.text)
        raise FhirPathSyntaxError(f"{what} at position {tok.pos}, found {found}")

    def parse(self) -> Expr:
        expr = self.binary(0)
        if self.tok.kind != "eof":
            self.fail("unexpected token")
        return expr

    def binary(self, level: int) -> Expr:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        ops = _LEVELS[level]
        while self._is_op(ops):
            op = self.advance().text
            if op in ("is", "as"):
                left = TypeTest(op, left, self.type_specifier())
                continue
            right = self.binary(level + 1)
            left = Binary(op, left, right)
        return left

    def _is_op(self, ops: tuple[str, ...]) -> bool:
        tok = self.tok
        return tok.text in ops and tok.kind in ("op", "ident")

    def type_specifier(self) -> str:
        if self.tok.kind not in ("ident", "delimited"):
            self.fail("expected a type name")
        parts = [self._identifier(self.advance())]
        while self.tok.text == "." and self.tokens[self.i + 1].kind in ("ident", "delimited"):
            self.advance()
            parts.append(self._identifier(self.advance()))
        return ".".join(parts)

    def unary(self) -> Expr:
        if self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.advance().text
            operand = self.unary()
            if (
                op == "-"
                and isinstance(operand, Literal)
                and operand.type in ("integer", "decimal")
            ):
                value = operand.value
                assert isinstance(value, int | Decimal)
                return Literal(-value, operand.type)
            return Unary(op, operand) if op == "-" else operand
        return self.postfix(self.term())

    def postfix(self, expr: Expr) -> Expr:
        while True:
            if self.tok.kind == "op" and self.tok.text == ".":
                self.advance()
                expr = self.invocation(expr)
            elif self.tok.kind == "op" and self.tok.text == "[":
                self.advance()
                index = self.binary(0)
                self.expect("]")
                expr = Index(expr, index)
            else:
                return expr

    def invocation(self, source: Expr | None) -> Expr:
        tok = self.tok
        if tok.kind == "special":
            self.advance()
            if tok.text == "$this":
                return This()
            self.fail(f"{tok.text} is not supported")
        if tok.kind not in ("ident", "delimited"):
            self.fail("expected a name")
        name = self._identifier(self.advance())
        if self.tok.kind == "op" and self.tok.text == "(":
            self.advance()
            args: list[Expr] = []
            if not (self.tok.kind == "op" and self.tok.text == ")"):
                args.append(self.binary(0))
                while self.tok.kind == "op" and self.tok.text == ",":
                    self.advance()
                    args.append(self.binary(0))
            self.expect(")")
            return Call(source, name, tuple(args))
        return Member(source, name)

    @staticmethod
    def _identifier(tok: Token) -> str:
        return _unescape(tok.text[1:-1]) if tok.kind == "delimited" else tok.text

    def term(self) -> Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            if "." in tok.text:
                return Literal(Decimal(tok.text), "decimal")
            if int(tok.text) > MAX_INTEGER:  # every engine's integers are 64-bit at most
                raise FhirPathSyntaxError(
                    f"integer at position {tok.pos} is beyond 64 bits; write it as a decimal"
                )
            return Literal(int(tok.text), "integer")
        if tok.kind == "string":
            self.advance()
            return Literal(_unescape(tok.text[1:-1]), "string")
        if tok.kind == "datetime":
            self.advance()
            body = tok.text[1:]
            kind = "dateTime" if "T" in body else "date"
            return Literal(body.rstrip("T"), kind)
        if tok.kind == "time":
            self.advance()
            return Literal(tok.text[2:], "time")
        if tok.kind == "env":
            self.advance()
            body = tok.text[1:]
            if body[0] in "`'":
                body = _unescape(body[1:-1])
            return Variable(body)
        if tok.kind == "ident" and tok.text in ("true", "false"):
            self.advance()
            return Literal(tok.text == "true", "boolean")
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            inner = self.binary(0)
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.text == "{":
            self.advance()
            self.expect("}")
            return Empty()
        if tok.kind in ("ident", "delimited", "special"):
            return self.invocation(None)
        self.fail("expected an expression")
        raise AssertionError  # pragma: no cover - fail always raises


def parse(text: str) -> Expr:
    """Parse FHIRPath text into a frozen tree; raise FhirPathSyntaxError naming the position."""
    if not isinstance(text, str) or not text.strip():
        raise FhirPathSyntaxError("empty expression")
    return _Parser(text).parse()


def type_argument(expr: Expr) -> str | None:
    """A type specifier written as a function argument (``ofType(Quantity)``)."""
    if isinstance(expr, Member) and expr.source is None:
        return expr.name
    if isinstance(expr, Member) and isinstance(expr.source, Member) and expr.source.source is None:
        return f"{expr.source.name}.{expr.name}"
    if isinstance(expr, TypeName):
        return expr.name
    return None
