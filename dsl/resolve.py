"""The language pass: every name known, every value of the right kind, every template in place.

`check(program, templates)` runs on strategies and on policy packs and never raises. Its findings
use four rule ids:

- `NAME`: a word Parley does not know: a fact, segment, channel, tone, organization, event,
  plan kind or parameter, priority, language, jurisdiction, or a policy word (action, event, unit,
  place, content key, consent kind, severity, status). The hint says "did you mean `…`?".
- `TYPE`: a value of the wrong kind or out of its range: money compared with a plain number, a
  score with a number outside 0..1, a percentage outside 0–100, a yes/no state compared, a value
  used as if it were a yes/no condition, a range whose ends are reversed, a step that repeats more
  often than daily, `at most` below 1 or on a one-off step, a rule that ends before it starts, a
  day, duration or count past the limits of `dsl.resolve_limits` (ten years, 1,000 times).
- `DUPLICATE`: two steps with one name, two segments with one name (or a segment named like a
  fact), a language, jurisdiction or plan parameter given twice.
- `TEMPLATE`: a template a `send` or `call` names is missing in a promised language, is not meant
  for the action's channel, cannot be read, or shows a variable or filter Parley does not know.

Policy packs are checked in `dsl.resolve_policy`, template references in `dsl.resolve_templates`,
conditions in `dsl.types`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.resolve_limits import check_limits
from dsl.resolve_policy import check_policy
from dsl.resolve_templates import actions_of, check_templates
from dsl.resolve_words import check_ident, check_jurisdictions, check_word, word_span
from dsl.schema import FACTS, Kind
from dsl.source import Span
from dsl.templates import TemplateSet
from dsl.types import ConditionChecker, literal_value, text_of
from dsl.vocabulary import (
    CHANNELS,
    ESCALATE_TARGETS,
    EVENTS,
    HANDOFF_PRIORITIES,
    ORGANIZATIONS,
    PLAN_KINDS,
    SCREEN_PROGRAMS,
    SEND_CHANNELS,
    TONES,
    PlanParam,
    language_problem,
)

ONE_DAY = 24 * 60


def check(program: ast.Program, templates: TemplateSet | None = None) -> list[Diagnostic]:
    """Every name, type and template finding about a strategy or policy pack."""
    limits = check_limits(program)
    if isinstance(program, ast.Policy):
        return [*limits, *check_policy(program)]
    return [*limits, *check_strategy(program, templates)]


def check_strategy(strategy: ast.Strategy, templates: TemplateSet | None) -> list[Diagnostic]:
    """The language findings for one strategy."""
    findings: list[Diagnostic] = []
    findings.extend(check_header(strategy))
    segments, segment_findings = check_segments(strategy.segments)
    findings.extend(segment_findings)
    conditions = ConditionChecker(segments)
    for condition in strategy_conditions(strategy):
        conditions.condition(condition)
    findings.extend(conditions.diagnostics)
    findings.extend(check_steps(strategy.steps))
    for handler in strategy.handlers:
        findings.extend(check_handler(handler))
    for action in actions_of(strategy):
        findings.extend(check_action(action))
    if templates is not None:
        findings.extend(check_templates(strategy, templates))
    return findings


# ---------------------------------------------------------------- header


def check_header(strategy: ast.Strategy) -> list[Diagnostic]:
    """Organization, jurisdictions, languages and tone are words Parley knows, each given once."""
    findings: list[Diagnostic] = []
    if strategy.organization is not None:
        findings.extend(check_ident(strategy.organization, ORGANIZATIONS, "an organization"))
    if strategy.tone is not None:
        findings.extend(check_ident(strategy.tone, TONES, "a tone"))
    findings.extend(check_jurisdictions(strategy.jurisdictions))
    for language in strategy.languages:
        problem = language_problem(language.name)
        if problem:
            findings.append(error("NAME", language.span, problem, "use a language code such as `en`, `es` or `vi`"))
    findings.extend(repeated(strategy.jurisdictions, "jurisdiction"))
    findings.extend(repeated(strategy.languages, "language"))
    return findings


def repeated(idents: tuple[ast.Ident, ...], what: str) -> list[Diagnostic]:
    """A finding for each word of a list that is given again."""
    seen: set[str] = set()
    findings = []
    for ident in idents:
        if ident.name in seen:
            findings.append(error("DUPLICATE", ident.span, f"{what} `{ident.name}` is listed twice", "list it once"))
        seen.add(ident.name)
    return findings


# ---------------------------------------------------------------- segments


def check_segments(segments: tuple[ast.Segment, ...]) -> tuple[frozenset[str], list[Diagnostic]]:
    """The segment names in scope, and findings for duplicates, shadowed facts and cycles."""
    findings: list[Diagnostic] = []
    first: dict[str, ast.Segment] = {}
    for segment in segments:
        span = word_span(segment.span, segment.name)
        if segment.name in FACTS:
            message = f"segment `{segment.name}` has the name of a fact"
            findings.append(
                error("DUPLICATE", span, message, f"rename the segment so `{segment.name}` keeps its meaning")
            )
        elif segment.name in first:
            message = f"segment `{segment.name}` is defined twice"
            findings.append(error("DUPLICATE", span, message, "rename one of them; the first one is used"))
        else:
            first[segment.name] = segment
    findings.extend(segment_cycles(first))
    return frozenset(first), findings


def names_in(expr: ast.Expr) -> Iterator[ast.Name]:
    """Every name a condition mentions."""
    if isinstance(expr, ast.Name):
        yield expr
    elif isinstance(expr, ast.And | ast.Or):
        for operand in expr.operands:
            yield from names_in(operand)
    elif isinstance(expr, ast.Not):
        yield from names_in(expr.operand)
    elif isinstance(expr, ast.Compare):
        yield from names_in(expr.left)
        yield from names_in(expr.right)
    elif isinstance(expr, ast.Between):
        for part in (expr.subject, expr.low, expr.high):
            yield from names_in(part)
    elif isinstance(expr, ast.InList):
        yield from names_in(expr.subject)


def segment_cycles(segments: Mapping[str, ast.Segment]) -> list[Diagnostic]:
    """A finding for each segment defined, through others or directly, in terms of itself."""
    uses = {name: [n.path for n in names_in(s.condition) if n.path in segments] for name, s in segments.items()}
    findings: list[Diagnostic] = []
    in_cycle: set[str] = set()
    for start in segments:
        path = cycle_from(start, uses)
        if path is None or in_cycle & set(path):
            continue
        in_cycle.update(path)
        chain = " → ".join(f"`{name}`" for name in [*path, start])
        message = (
            f"segment `{start}` is defined in terms of itself"
            if len(path) == 1
            else f"segments are defined in a circle: {chain}"
        )
        hint = "define each segment from facts and earlier segments only"
        findings.append(error("NAME", word_span(segments[start].span, start), message, hint))
    return findings


def cycle_from(start: str, uses: Mapping[str, list[str]]) -> list[str] | None:
    """The segments on a path from `start` back to itself, or None when there is none."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for used in uses.get(name, []):
            if used == start:
                return path
            if used not in seen:
                seen.add(used)
                stack.append((used, [*path, used]))
    return None


# ---------------------------------------------------------------- conditions, steps, handlers


def strategy_conditions(strategy: ast.Strategy) -> Iterator[ast.Expr]:
    """Every condition in a strategy: audience, segments, guards, branches, stops."""
    if strategy.audience is not None:
        yield strategy.audience
    for segment in strategy.segments:
        yield segment.condition
    for part in (*strategy.steps, *strategy.handlers):
        if part.guard is not None:
            yield part.guard.condition
        yield from branch_conditions(part.body)
    for stop in strategy.stops:
        yield stop.condition


def branch_conditions(body: tuple[ast.Stmt, ...]) -> Iterator[ast.Expr]:
    """Conditions of `when … otherwise` branches, nested ones too."""
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            yield stmt.condition
            yield from branch_conditions(stmt.then)
            yield from branch_conditions(stmt.otherwise)


def check_steps(steps: tuple[ast.Step, ...]) -> list[Diagnostic]:
    """Step names are unique, schedules run forwards at most daily, `at most` is sensible."""
    findings: list[Diagnostic] = []
    seen: set[str] = set()
    for step in steps:
        if step.name in seen:
            findings.append(
                error(
                    "DUPLICATE",
                    word_span(step.span, f'"{step.name}"'),
                    f"there are two steps named `{step.name}`",
                    "give each step its own name; the audit trail tells steps apart by name",
                )
            )
        seen.add(step.name)
        findings.extend(check_schedule(step))
    return findings


def check_schedule(step: ast.Step) -> list[Diagnostic]:
    """`on day` steps take no `at most`; `every` steps repeat daily or less, forwards."""
    schedule = step.schedule
    findings: list[Diagnostic] = []
    if isinstance(schedule, ast.OnDay):
        if step.at_most is not None:
            findings.append(
                error(
                    "TYPE",
                    step.at_most.span,
                    "`at most` limits a repeating step, and this one runs once",
                    "remove `at most …`, or make the step repeat with `every …`",
                )
            )
        return findings
    if schedule.interval.minutes < ONE_DAY:
        findings.append(
            error(
                "TYPE",
                schedule.interval.span,
                f"a step repeats at most once a day; `every {text_of(schedule.interval)}` is more often",
                "use `every 1 day` or longer",
            )
        )
    if schedule.start_day > schedule.end_day:
        findings.append(
            error(
                "TYPE",
                schedule.span,
                f"the step runs from day {schedule.start_day} back to day {schedule.end_day}",
                f"write the earlier day first: `from day {schedule.end_day} to day {schedule.start_day}`",
            )
        )
    findings.extend(check_at_most(step.at_most))
    return findings


def check_at_most(at_most: ast.AtMost | None) -> list[Diagnostic]:
    """`at most N times` with N of at least 1."""
    if at_most is None or at_most.times >= 1:
        return []
    message = f"`at most {at_most.times} times` means it never runs"
    return [error("TYPE", at_most.span, message, "use `at most 1 times` or more, or remove it")]


def check_handler(handler: ast.Handler) -> list[Diagnostic]:
    """The event is one Parley knows and `at most` is at least 1."""
    return [*check_ident(handler.event, EVENTS, "an event"), *check_at_most(handler.at_most)]


# ---------------------------------------------------------------- actions


def check_action(action: ast.Action) -> list[Diagnostic]:
    """An action's words (channel, tone, plan, priority, program, target) are ones Parley knows."""
    span = action.span
    if isinstance(action, ast.Send):
        return [*check_send_channel(action), *check_tone(span, action.tone)]
    if isinstance(action, ast.Call):
        return check_tone(span, action.tone)
    if isinstance(action, ast.OfferPlan):
        return check_plan(action)
    if isinstance(action, ast.Handoff) and action.priority is not None:
        return check_word(span, action.priority, HANDOFF_PRIORITIES, "a hand-off priority")
    if isinstance(action, ast.Screen):
        return check_word(span, action.program, SCREEN_PROGRAMS, "a screening program")
    if isinstance(action, ast.Escalate):
        return check_word(span, action.target, ESCALATE_TARGETS, "something a strategy can escalate to")
    if isinstance(action, ast.StopAction) and action.channel is not None:
        return check_word(span, action.channel, CHANNELS, "a channel")
    if isinstance(action, ast.Pause) and action.duration.minutes == 0:
        return [error("TYPE", action.duration.span, "`pause for 0` does nothing", "pause for at least `1 day`")]
    return []


def check_send_channel(send: ast.Send) -> list[Diagnostic]:
    """`send` takes a message channel; calls have their own action."""
    if send.channel == "call":
        span = word_span(send.span, "call")
        return [error("NAME", span, "calls are made with `call`, not `send call`", f'write `call "{send.template}"`')]
    return check_word(send.span, send.channel, SEND_CHANNELS, "a channel a message can be sent by")


def check_tone(span: Span, tone: str | None) -> list[Diagnostic]:
    """An action's `tone` is one Parley knows."""
    return [] if tone is None else check_word(span, tone, TONES, "a tone", after="tone")


def check_plan(offer: ast.OfferPlan) -> list[Diagnostic]:
    """The plan kind is known, and each parameter belongs to it, once, with a value of its kind."""
    if offer.kind not in PLAN_KINDS:
        return check_word(offer.span, offer.kind, PLAN_KINDS, "a kind of payment plan")
    params = {p.name: p for p in PLAN_KINDS[offer.kind]}
    findings: list[Diagnostic] = []
    seen: set[str] = set()
    for param in offer.params:
        if param.name not in params:
            findings.extend(check_word(param.span, param.name, params, f"a parameter of `{offer.kind}` plans"))
        elif param.name in seen:
            message = f"`{param.name}` is given twice"
            findings.append(error("DUPLICATE", param.span, message, "keep one; plans take each parameter once"))
        else:
            findings.extend(check_param_value(params[param.name], param.value))
        seen.add(param.name)
    return findings


def check_param_value(param: PlanParam, value: ast.Value) -> list[Diagnostic]:
    """A plan parameter's value is of the parameter's kind and inside its range."""
    shown = text_of(value)
    expected = {Kind.PERCENT: ast.PercentLit, Kind.MONEY: ast.MoneyLit}
    wanted = expected.get(param.kind, ast.NumberLit)
    if not isinstance(value, wanted):
        examples = {Kind.PERCENT: "`5%`", Kind.MONEY: "`$10`", Kind.NUMBER: "`24`"}
        message = f"`{param.name}` takes {param.kind.words}, but `{shown}` is not one"
        return [error("TYPE", value.span, message, f"write it like {examples[param.kind]}")]
    number = literal_value(value)
    if number is None:
        return []
    if param.kind is Kind.NUMBER and number != number.to_integral_value():
        return [error("TYPE", value.span, f"`{param.name}` is a whole number; `{shown}` is not one", None)]
    too_low = param.low is not None and number < param.low
    too_high = param.high is not None and number > param.high
    if too_low or too_high:
        limits = f"from {param.low} to {param.high}" if param.high is not None else f"from {param.low} up"
        unit = "%" if param.kind is Kind.PERCENT else ""
        message = f"`{param.name}` runs {limits}{unit}, so `{shown}` is out of range"
        return [error("TYPE", value.span, message, None)]
    return []
