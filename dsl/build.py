"""Turn lark's parse tree into the Parley syntax tree, checking literal values on the way.

Literal mistakes (`25:00`, `09:00-8:00`, `$1.2.3`) are caught here rather than in the
grammar so that the message can name the mistake instead of listing tokens.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from lark import Token

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.source import Source, Span

MONEY_SHAPE = re.compile(r"\$(\d{1,3}(,\d{3})+|\d+)(\.\d{2})?")
# A day, count, version or duration amount longer than this is a typo (the limits allow 3650 days
# and 1,000 times); Python refuses to turn more than 4,300 digits into an int, so read none that long.
MAX_DIGITS = 12
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def unescape(literal: str) -> str:
    """The value of a quoted string token: quotes removed, `\\"`, `\\\\`, `\\n`, `\\t`, `\\uXXXX`."""
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


class TreeBuilder:
    """Builds AST nodes bottom-up and records literal mistakes as diagnostics.

    One method per grammar rule (or alias), named after it, called as `method(span, children)`:
    `span` covers the rule's text and `children` are its kept tokens and built values, as lark's
    tree would hold them. `dsl.build_inline` calls them from the LALR parser's reductions,
    `dsl.build_tree` from a walk over lark's parse tree.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    # ------------------------------------------------------------ spans

    def token_span(self, token: Token) -> Span:
        return Span(self.source, token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0)

    def ident(self, token: Token) -> ast.Ident:
        return ast.Ident(str(token), span=self.token_span(token))

    def literal_error(self, token: Token, message: str, hint: str) -> None:
        self.diagnostics.append(error("PARSE", self.token_span(token), message, hint))

    def whole(self, token: Token) -> int:
        """An integer token's value; one too long for any day or count is a PARSE error at the token (read as 0)."""
        text = str(token)
        if len(text) <= MAX_DIGITS:
            return int(text)
        self.literal_error(
            token,
            f"`{text[:24]}…` has {len(text)} digits, more than any day, count or version Parley reads",
            "check the number; a strategy spans ten years (3650 days) at most",
        )
        return 0

    # ------------------------------------------------------------ values

    def string(self, span: Span, children: list[Token]) -> ast.StringLit:
        (token,) = children
        return ast.StringLit(unescape(str(token)), span=span)

    def integer(self, span: Span, children: list[Token]) -> ast.NumberLit:
        (token,) = children
        return ast.NumberLit(Decimal(str(token)), span=span)

    def decimal(self, span: Span, children: list[Token]) -> ast.NumberLit:
        (token,) = children
        return ast.NumberLit(Decimal(str(token)), span=span)

    def money(self, span: Span, children: list[Token]) -> ast.MoneyLit:
        (token,) = children
        text = str(token)
        if not MONEY_SHAPE.fullmatch(text):
            self.literal_error(
                token,
                f"`{text}` is not an amount of money",
                "write dollars with optional cents, like `$1250`, `$1,250` or `$1,250.50`",
            )
            return ast.MoneyLit(Decimal(0), span=span)
        return ast.MoneyLit(Decimal(text[1:].replace(",", "")), span=span)

    def percent(self, span: Span, children: list[Token]) -> ast.PercentLit:
        (token,) = children
        return ast.PercentLit(Decimal(str(token)[:-1]), span=span)

    def clock_value(self, token: Token, text: str, offset: int = 0) -> tuple[ast.Clock, bool]:
        """A clock time written `text`, `offset` characters into `token`, and whether it is valid."""
        lead = len(text) - len(text.lstrip())
        written = text.strip()
        span = self.part_span(token, offset + lead, len(written))
        hour_text, minute_text = written.split(":")
        hour, minute = int(hour_text), int(minute_text)
        valid = hour <= 23 and minute <= 59
        if not valid:
            self.diagnostics.append(
                error(
                    "PARSE",
                    span,
                    f"`{written}` is not a time of day",
                    "use a 24-hour clock from `00:00` to `23:59`; for midnight write `00:00`",
                )
            )
        elif len(hour_text) != 2:
            self.diagnostics.append(
                error("PARSE", span, f"`{written}` needs two digits for the hour", f"write `{hour:02d}:{minute:02d}`")
            )
        return ast.Clock(min(hour, 23), min(minute, 59), span=span), valid

    def part_span(self, token: Token, offset: int, length: int) -> Span:
        """The span of `length` characters starting `offset` characters into a one-line token."""
        column = (token.column or 1) + offset
        return Span(self.source, token.line or 0, column, token.line or 0, column + length)

    def clock(self, span: Span, children: list[Token]) -> ast.Clock:
        (token,) = children
        return self.clock_value(token, str(token))[0]

    def window_value(self, token: Token) -> ast.Window:
        start_text, end_text = str(token).split("-")
        start, start_valid = self.clock_value(token, start_text)
        end, end_valid = self.clock_value(token, end_text, len(start_text) + 1)
        # A bad time was reported already; comparing its clamped value would only add noise.
        if start_valid and end_valid and start.minutes >= end.minutes:
            self.literal_error(
                token,
                f"the window `{token}` ends before it starts",
                "write the earlier time first, like `08:00-20:00`; windows cannot run past midnight",
            )
        return ast.Window(start, end, span=self.token_span(token))

    def window(self, span: Span, children: list[Token]) -> ast.Window:
        (token,) = children
        return self.window_value(token)

    def date(self, span: Span, children: list[Token]) -> ast.DateLit:
        (token,) = children
        return ast.DateLit(self.date_value(token), span=span)

    def date_value(self, token: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(token))
        except ValueError:
            self.literal_error(token, f"`{token}` is not a calendar date", "write a real date as YYYY-MM-DD")
            return dt.date(1970, 1, 1)

    def true(self, span: Span, children: list[Token]) -> ast.BoolLit:
        return ast.BoolLit(True, span=span)

    def false(self, span: Span, children: list[Token]) -> ast.BoolLit:
        return ast.BoolLit(False, span=span)

    def duration(self, span: Span, children: list[Token]) -> ast.Duration:
        amount, unit = children
        singular = str(unit).rstrip("s")
        return ast.Duration(self.whole(amount), singular, span=span)

    # ------------------------------------------------------------ conditions

    def ref(self, span: Span, children: list[Token]) -> ast.Name:
        return ast.Name(str(children[0]), span=span)

    def or_expr(self, span: Span, children: list[ast.Expr]) -> ast.Or:
        return ast.Or(tuple(children), span=span)

    def and_expr(self, span: Span, children: list[ast.Expr]) -> ast.And:
        return ast.And(tuple(children), span=span)

    def not_(self, span: Span, children: list[ast.Expr]) -> ast.Not:
        return ast.Not(children[0], span=span)

    def compare(self, span: Span, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, span=span)

    def between(self, span: Span, children: list[ast.Expr]) -> ast.Between:
        subject, low, high = children
        return ast.Between(subject, low, high, span=span)

    def in_list(self, span: Span, children: list[Any]) -> ast.InList:
        subject, options = children
        return ast.InList(subject, options, span=span)

    def list_literal(self, span: Span, children: list[Any]) -> tuple[Any, ...]:
        return tuple(child for child in children if child is not None)

    def name_list(self, span: Span, children: list[Token]) -> tuple[ast.Ident, ...]:
        return tuple(self.ident(token) for token in children)

    def jurisdiction_list(self, span: Span, children: list[Token]) -> tuple[ast.Ident, ...]:
        return tuple(self.ident(token) for token in children)
