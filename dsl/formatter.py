"""The canonical text of a Parley program: one layout, normalised literals, comments kept.

`format_program` prints a syntax tree; `format_text` parses, prints and weaves the source's
comments back in. Printing preserves the tree exactly: `parse(format_program(p)).program == p`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dsl import ast
from dsl.comments import Comment, Printer, outline, render, scan_comments
from dsl.diagnostics import Diagnostic, error, has_errors
from dsl.parser import parse
from dsl.source import span_of_offset

# ---------------------------------------------------------------- literals

SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
# Characters a string cannot hold raw without confusing a reader or a line count.
ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def format_string(value: str) -> str:
    """`value` in double quotes, escaped so that the parser reads back exactly `value`."""
    out = []
    for char in value:
        if char in SIMPLE_ESCAPES:
            out.append(SIMPLE_ESCAPES[char])
        elif unicodedata.category(char) in ESCAPED_CATEGORIES:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def plain(number: Decimal) -> str:
    """A decimal without exponent notation, keeping the digits it was written with."""
    return format(number, "f")


def format_money(amount: Decimal, cents: bool = False) -> str:
    """`$1,250.50`: thousands separators, and cents only when there are some (or when asked)."""
    if amount == amount.to_integral_value() and not cents:
        return f"${int(amount):,}"
    if amount == amount.quantize(Decimal("0.01")):
        return f"${amount:,.2f}"
    return f"${amount:,f}"  # more than cents: the parser will say so


def format_duration(duration: ast.Duration) -> str:
    """`1 day`, `7 days`: the unit agrees with the amount."""
    return f"{duration.amount} {duration.unit}{'' if duration.amount == 1 else 's'}"


def format_clock(clock: ast.Clock) -> str:
    """`09:00`: two digits each for hour and minute."""
    return f"{clock.hour:02d}:{clock.minute:02d}"


def format_window(window: ast.Window) -> str:
    """`09:00-19:00`, without spaces around the dash."""
    return f"{format_clock(window.start)}-{format_clock(window.end)}"


def format_value(value: ast.Value, in_list: bool = False) -> str:
    """The canonical text of a literal value.

    In a list, money always shows its cents: the money token would swallow a comma after `$1,000`.
    """
    match value:
        case ast.StringLit(text):
            return format_string(text)
        case ast.NumberLit(number):
            return plain(number)
        case ast.MoneyLit(amount):
            return format_money(amount, cents=in_list)
        case ast.PercentLit(number):
            return plain(number) + "%"
        case ast.Duration():
            return format_duration(value)
        case ast.Clock():
            return format_clock(value)
        case ast.Window():
            return format_window(value)
        case ast.DateLit(date):
            return format_date(date)
        case ast.BoolLit(flag):
            return "true" if flag else "false"
    raise TypeError(f"not a value: {value!r}")


def format_date(date: dt.date) -> str:
    """`2027-01-31`."""
    return date.isoformat()


# ---------------------------------------------------------------- conditions

# Binding strength, loosest first; an operand binding looser than its context is parenthesised.
OR, AND, NOT, COMPARISON, ATOM = range(5)


def format_expr(expr: ast.Expr) -> str:
    """A condition with the fewest parentheses that still read back as the same tree."""
    return printed(expr)[0]


def printed(expr: ast.Expr) -> tuple[str, int]:
    """The text of `expr` and how tightly it binds."""
    match expr:
        case ast.Or(operands):
            return joined(operands, " or ", OR)
        case ast.And(operands):
            return joined(operands, " and ", AND)
        case ast.Not(operand):
            return "not " + wrapped(operand, NOT), NOT
        case ast.Compare(op, left, right):
            return f"{wrapped(left, ATOM)} {op} {wrapped(right, ATOM)}", COMPARISON
        case ast.Between(subject, low, high):
            return f"{wrapped(subject, ATOM)} between {wrapped(low, ATOM)} and {wrapped(high, ATOM)}", COMPARISON
        case ast.InList(subject, options):
            return (
                f"{wrapped(subject, ATOM)} in [{', '.join(format_value(o, in_list=True) for o in options)}]",
                COMPARISON,
            )
        case ast.Name(path):
            return path, ATOM
    return format_value(expr), ATOM


def joined(operands: tuple[ast.Expr, ...], word: str, strength: int) -> tuple[str, int]:
    """`a or b or c`: an operand of the same kind is parenthesised, or the tree would flatten."""
    if len(operands) == 1:  # not expressible in the grammar; print the one operand
        return printed(operands[0])
    if not operands:  # not expressible either: an empty `and` holds, an empty `or` does not
        return ("true" if strength == AND else "false"), ATOM
    return word.join(wrapped(operand, strength + 1) for operand in operands), strength


def wrapped(expr: ast.Expr, weakest: int) -> str:
    """`expr`, in parentheses when it binds looser than `weakest`."""
    text, strength = printed(expr)
    return text if strength >= weakest else f"({text})"


def names(idents: Sequence[ast.Ident]) -> str:
    """`a, b, c`."""
    return ", ".join(ident.name for ident in idents)


# ---------------------------------------------------------------- strategies


def print_strategy(out: Printer, strategy: ast.Strategy) -> None:
    """A strategy in canonical order: header clauses, segments, steps, handlers, stop lines."""
    out.emit(0, f"strategy {format_string(strategy.name)} version {strategy.version}", strategy)
    for word, text in header_clauses(strategy):
        out.emit(1, f"{word} {text}", lines=out.children(strategy, word))
    out.blank()
    for segment in strategy.segments:
        out.emit(1, f"segment {segment.name} when {format_expr(segment.condition)}", segment)
    out.blank()
    for step in strategy.steps:
        out.emit(1, step_header(step), step)
        print_body(out, 2, step.body)
        out.close(1, "end", step)
        out.blank()
    for handler in strategy.handlers:
        out.emit(1, handler_header(handler), handler)
        print_body(out, 2, handler.body)
        out.close(1, "end", handler)
        out.blank()
    for stop in strategy.stops:
        out.emit(1, f"stop when {format_expr(stop.condition)}", stop)
    out.trim()
    out.close(0, "end", strategy)


def header_clauses(strategy: ast.Strategy) -> list[tuple[str, str]]:
    """The header clauses a strategy has, in canonical order, as (keyword, rest of line)."""
    clauses = [
        ("description", strategy.description and format_string(strategy.description.value)),
        ("organization", strategy.organization and strategy.organization.name),
        ("jurisdictions", strategy.jurisdictions and names(strategy.jurisdictions)),
        ("audience", strategy.audience and format_expr(strategy.audience)),
        ("languages", strategy.languages and names(strategy.languages)),
        ("tone", strategy.tone and strategy.tone.name),
    ]
    return [(word, text) for word, text in clauses if text]


def step_header(step: ast.Step) -> str:
    """`step "NAME" SCHEDULE [at most N times] [WINDOW] [when|unless COND]`."""
    match step.schedule:
        case ast.OnDay(day):
            schedule = f"on day {day}"
        case ast.Every(interval, start, end):
            schedule = f"every {format_duration(interval)} from day {start} to day {end}"
    parts = [f"step {format_string(step.name)}", schedule]
    if step.at_most is not None:
        parts.append(f"at most {step.at_most.times} times")
    if step.window is not None:
        prefix = "at best_time within" if step.window.best_time else "at"
        parts.append(f"{prefix} {format_window(step.window.window)}")
    if step.guard is not None:
        parts.append(guard_text(step.guard))
    return " ".join(parts)


def handler_header(handler: ast.Handler) -> str:
    """`on EVENT [when|unless COND] [after DURATION] [at most N times]`."""
    parts = [f"on {handler.event.name}"]
    if handler.guard is not None:
        parts.append(guard_text(handler.guard))
    if handler.delay is not None:
        parts.append(f"after {format_duration(handler.delay)}")
    if handler.at_most is not None:
        parts.append(f"at most {handler.at_most.times} times")
    return " ".join(parts)


def guard_text(guard: ast.Guard) -> str:
    """`when COND` or `unless COND`."""
    return f"{'unless' if guard.negated else 'when'} {format_expr(guard.condition)}"


def print_body(out: Printer, depth: int, body: Sequence[ast.Stmt]) -> None:
    """The statements of a step, handler or branch, one per line; branches nest."""
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            out.emit(depth, f"when {format_expr(stmt.condition)}", stmt)
            print_body(out, depth + 1, stmt.then)
            if stmt.otherwise:
                out.close(depth, "otherwise", stmt)
                print_body(out, depth + 1, stmt.otherwise)
            out.close(depth, "end", stmt)
        else:
            out.emit(depth, action_text(stmt), stmt)


def action_text(action: ast.Action) -> str:
    """One action on one line."""
    match action:
        case ast.Send(channel, template, tone):
            return f"send {channel} {format_string(template)}" + (f" tone {tone}" if tone else "")
        case ast.Call(script, tone):
            return f"call {format_string(script)}" + (f" tone {tone}" if tone else "")
        case ast.OfferPlan(kind, params):
            return " ".join([f"offer plan {kind}", *(f"{p.name} {format_value(p.value)}" for p in params)])
        case ast.Handoff(queue, priority):
            return f"handoff {format_string(queue)}" + (f" priority {priority}" if priority else "")
        case ast.Screen(program):
            return f"screen {program}"
        case ast.Pause(duration):
            return f"pause for {format_duration(duration)}"
        case ast.Escalate(target):
            return f"escalate {target}"
        case ast.StopAction(channel):
            return "stop" + (f" {channel}" if channel else "")
    raise TypeError(f"not an action: {action!r}")


# ---------------------------------------------------------------- policies


def print_policy(out: Printer, policy: ast.Policy) -> None:
    """A policy pack: the header line, then each rule with its metadata before its constraint."""
    header = f"policy {format_string(policy.name)} title {format_string(policy.title)}"
    if policy.applies is not None:
        header += " " + applies_text(policy.applies)
    out.emit(0, header, policy)
    for index, rule in enumerate(policy.rules):
        if index:
            out.blank()
        print_rule(out, rule)
    out.close(0, "end", policy)


def print_rule(out: Printer, rule: ast.Rule) -> None:
    """`rule "ID" cites "CITATION"`, metadata lines, the constraint, `end`."""
    out.emit(1, f"rule {format_string(rule.rule_id)} cites {format_string(rule.citation)}", rule)
    for word, text in rule_metadata(rule):
        out.emit(2, f"{word} {text}", lines=out.children(rule, word))
    for constraint in rule.constraints:
        out.emit(2, constraint_text(constraint), constraint)
    out.close(1, "end", rule)


def rule_metadata(rule: ast.Rule) -> list[tuple[str, str]]:
    """The metadata lines a rule has, in canonical order, as (keyword, rest of line)."""
    effective = " ".join(
        f"{word} {format_date(date)}"
        for word, date in (("from", rule.effective_from), ("until", rule.effective_until))
        if date is not None
    )
    lines = [
        ("description", rule.description is not None and format_string(rule.description)),
        ("severity", rule.severity and rule.severity.name),
        ("applies", rule.applies and applies_text(rule.applies).removeprefix("applies ")),
        ("effective", effective),
        ("status", rule.status and rule.status.name),
    ]
    return [(word, text) for word, text in lines if text]


def applies_text(applies: ast.Applies) -> str:
    """`applies to ORGANIZATIONS [in JURISDICTIONS]`."""
    text = f"applies to {names(applies.organizations)}"
    return text + (f" in {names(applies.jurisdictions)}" if applies.jurisdictions else "")


def channels_in(channels: Sequence[ast.Ident]) -> str:
    """` in a, b` when there are channels, else nothing."""
    return f" in {names(channels)}" if channels else ""


CONSTRAINT_TEXT: dict[type, Callable[[ast.Node], str]] = {
    ast.FrequencyCap: lambda c: (
        f"limit {names(c.channels)} to {c.limit} per {c.per.name} per {format_duration(c.window)}"
        + (f" at {c.place.name}" if c.place else "")
    ),
    ast.CoolDown: lambda c: (
        f"after {c.event.name} no {names(c.channels)} per {c.per.name} for {format_duration(c.duration)}"
    ),
    ast.TimeWindowRule: lambda c: (
        f"contact only between {format_clock(c.start)} and {format_clock(c.end)} local{channels_in(c.channels)}"
    ),
    ast.RequireContent: lambda c: f"require content {c.key.name}{channels_in(c.channels)}" + position_text(c.position),
    ast.ForbidContent: lambda c: f"forbid content {c.content_class.name}{channels_in(c.channels)}",
    ast.Hold: lambda c: (
        f"hold {names(c.actions)} when {format_expr(c.condition)}" + (f" until {c.until.name}" if c.until else "")
    ),
    ast.RequireConsent: lambda c: f"require consent {c.kind.name} for {names(c.channels)}",
    ast.WaitingPeriod: lambda c: f"wait {format_duration(c.duration)} after {c.event.name} before {c.action.name}",
    ast.ForbidAction: lambda c: f"forbid {c.action.name} when {format_expr(c.condition)}",
    ast.Obligation: lambda c: f"require {c.action.name} within {format_duration(c.duration)} after {c.event.name}",
    ast.PriorNotice: lambda c: (
        f"require notice {format_string(c.template)} {format_duration(c.duration)} before {c.action.name}"
    ),
}


def constraint_text(constraint: ast.Constraint) -> str:
    """The one line of a rule's constraint."""
    return CONSTRAINT_TEXT[type(constraint)](constraint)


def position_text(position: ast.Ident | None) -> str:
    """` on first communication`, ` on later communications`: the noun agrees with the word."""
    if position is None:
        return ""
    noun = "communication" if position.name == "first" else "communications"
    return f" on {position.name} {noun}"


# ---------------------------------------------------------------- entry points


def format_program(program: ast.Program, comments: Sequence[Comment] = ()) -> str:
    """The canonical text of `program`, with `comments` (from `scan_comments`) woven back in.

    Comments are placed by the program's spans, so they belong with the text it was parsed from.
    """
    source = program.span.source.text if program.span.known else ""
    out = Printer(outline(source) if comments and source else None)
    if isinstance(program, ast.Strategy):
        print_strategy(out, program)
    else:
        print_policy(out, program)
    return render(out.lines, comments)


@dataclass(frozen=True)
class FormatResult:
    """The canonical text, or None when the input does not parse cleanly, and the parse findings."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...]


def format_text(text: str, name: str = "<text>") -> FormatResult:
    """Parse `text` and print it canonically with its comments; never raises.

    A text with any parse error is not formatted: its tree may have lost or clamped something
    (a duplicate clause, `25:00`), and a formatter must never change what a text says.
    """
    parsed = parse(text, name)
    if parsed.program is None or has_errors(parsed.diagnostics):
        return FormatResult(None, parsed.diagnostics)
    try:
        return FormatResult(format_program(parsed.program, scan_comments(text)), parsed.diagnostics)
    except RecursionError:
        problem = error(
            "FORMAT",
            span_of_offset(parsed.source, 0, 1),
            "this text is nested too deeply to format",
            "split deep conditions into named segments (`segment NAME when …`)",
        )
        return FormatResult(None, (*parsed.diagnostics, problem))
