"""Required and forbidden content (`require content KEY in CHANNELS [on first|later communication(s)]`,
`forbid content CLASS in CHANNELS`), read from the templates a strategy sends.

Each `send CHANNEL "name"` and `call "script"` names a template, one file per language the strategy
promises. A required disclosure is a `{{ disclosure.KEY }}` the template shows; a forbidden class
is a set of template variables (`phi` is every PHI class in the schema). Findings point at the
template file, line and column, and name the step that sends it. Word classes (threats, the
limited-content voicemail) are read from the template's text by `template_content.py`.

Position (`position.py`, shared with the validation notice's deadline): the first communication is
any contact that no other contact surely precedes (a guarded early step may be skipped, so a later
one may come first; a handler for an event the patient can start before any message, such as a
payment, may come first); a later communication is any contact another one can precede. A
limited-content voicemail is not a communication (12 CFR 1006.2(j)), so it needs neither the
mini-Miranda nor the debt-collector statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dsl import ast
from dsl.checks.acts import TEMPLATE_WORDS, Act, acts
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.position import can_be_first, can_be_later, contacts_of
from dsl.diagnostics import Diagnostic, Severity, info
from dsl.schema import DISCLOSURES, PHI_CLASSES, TEMPLATE_VARIABLES
from dsl.source import Span
from dsl.templates import Template, TemplateSet
from dsl.vocabulary import expand_channels, expand_content

NOT_COMMUNICATIONS = {"mini_miranda": ("voicemail",), "debt_collector": ("voicemail",)}
MAX_LISTED = 3
SKIPPED = "CONTENT-SKIPPED"


@dataclass(frozen=True)
class TemplateUse:
    """One template file a strategy action sends, on one channel."""

    act: Act
    template: Template
    channel: str


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Missing required disclosures and forbidden variables in the templates the strategy sends."""
    rules = [r for r in ctx.rules_of(ast.RequireContent) if required_key(r) in DISCLOSURES]
    rules += [r for r in ctx.rules_of(ast.ForbidContent) if forbidden_variables(r)]
    if not rules:
        return []
    if not isinstance(ctx.templates, TemplateSet):
        return [skipped(program, rules)]
    uses = template_uses(program, ctx.templates)
    findings: list[Diagnostic] = []
    for rule in rules:
        if isinstance(rule.rule.constraint, ast.RequireContent):
            findings.extend(missing(ctx, rule, uses))
        else:
            findings.extend(forbidden(rule, uses))
    return findings


def skipped(program: ast.Strategy, rules: list[ApplicableRule]) -> Diagnostic:
    """One note when templates were not given: the content rules went unchecked."""
    ids = ", ".join(f"`{r.rule_id}`" for r in rules[:MAX_LISTED]) + (" and more" if len(rules) > MAX_LISTED else "")
    return info(
        SKIPPED,
        Span(program.span.source, program.span.line, program.span.column, program.span.line, program.span.column + 8),
        f"templates were not given, so {len(rules)} content rule(s) were not checked: {ids}",
        "check with the templates folder so disclosures and protected health information are checked too",
    )


# ---------------------------------------------------------------- reading the strategy


def template_uses(program: ast.Strategy, templates: TemplateSet) -> list[TemplateUse]:
    """Every template file each action sends, in each language the strategy promises (or has)."""
    promised = [language.name for language in program.languages]
    uses: list[TemplateUse] = []
    for act in acts(program):
        name, channel = sent(act)
        if name is None:
            continue
        for language in promised or templates.languages_of(name):
            template = templates.get(name, language)
            if template is not None and template.readable:
                uses.append(TemplateUse(act, template, channel))
    return uses


def sent(act: Act) -> tuple[str | None, str]:
    """The template an action sends and its channel."""
    if isinstance(act.action, ast.Send):
        return act.action.template, act.action.channel
    if isinstance(act.action, ast.Call):
        return act.action.script, "call"
    return None, ""


def on_channels(use: TemplateUse, words: tuple[ast.Ident, ...]) -> bool:
    """Whether a use goes out on one of a rule's channels (`contact` is all; a template word names templates)."""
    for word in words:
        part = TEMPLATE_WORDS.get(word.name)
        if use.channel in expand_channels(word.name) or (part is not None and part in use.template.name):
            return True
    return False


def listed(uses: list[TemplateUse]) -> str:
    """The steps that send a template, for a message: step `A`, step `B` and 2 more."""
    owners = list(dict.fromkeys(f"{u.act.owner_label} ({u.channel})" for u in uses))
    more = f" and {len(owners) - MAX_LISTED} more" if len(owners) > MAX_LISTED else ""
    return ", ".join(owners[:MAX_LISTED]) + more


def group(uses: Iterator[TemplateUse]) -> dict[str, list[TemplateUse]]:
    """Uses by template file, so one file gets one finding per rule."""
    grouped: dict[str, list[TemplateUse]] = {}
    for use in uses:
        grouped.setdefault(use.template.path, []).append(use)
    return grouped


def rule_finding(rule: ApplicableRule, span: Span, message: str, hint: str) -> Diagnostic:
    """A finding of a content rule with its severity and citation."""
    severity = Severity(rule.severity) if rule.severity in ("error", "warning", "info") else Severity.ERROR
    return Diagnostic(rule.rule_id, severity, span, message, hint, rule.citation)


# ---------------------------------------------------------------- required disclosures


def required_key(rule: ApplicableRule) -> str:
    """The disclosure key a `require content` rule asks for."""
    constraint = rule.rule.constraint
    return constraint.key.name if isinstance(constraint, ast.RequireContent) else ""


def missing(ctx: CheckContext, rule: ApplicableRule, uses: list[TemplateUse]) -> Iterator[Diagnostic]:
    """Templates that go where a disclosure is required and do not show it."""
    constraint = rule.rule.constraint
    assert isinstance(constraint, ast.RequireContent)
    key = constraint.key.name
    position = constraint.position.name if constraint.position else "every"
    contacts = contacts_of(acts(ctx.strategy))
    wanted = (
        u
        for u in uses
        if on_channels(u, constraint.channels)
        and u.channel not in NOT_COMMUNICATIONS.get(key, ())
        and f"disclosure.{key}" not in u.template.variables
        and in_position(ctx, u.act, position, contacts)
    )
    where = {"first": "on the first communication", "later": "on every later communication"}.get(position, "")
    for path, group_uses in group(wanted).items():
        template = group_uses[0].template
        yield rule_finding(
            rule,
            body_span(template),
            f"template `{template.name}` ({template.language}) has no `disclosure.{key}` "
            f"({DISCLOSURES[key]}), which `{rule.rule_id}` requires {where} in {channels_text(constraint.channels)}; "
            f"sent by {listed(group_uses)}".replace("  ", " "),
            f"add `{{{{ disclosure.{key} }}}}` to `{path}`; its wording comes from the policy pack",
        )


def channels_text(words: tuple[ast.Ident, ...]) -> str:
    """A rule's channels in words."""
    return ", ".join(w.name for w in words)


def in_position(ctx: CheckContext, act: Act, position: str, contacts: list[Act]) -> bool:
    """Whether an action can be the first communication (`first`) or a later one (`later`)."""
    if position == "first":
        return can_be_first(ctx, act, contacts)
    if position == "later":
        return can_be_later(act, contacts)
    return True


def body_span(template: Template) -> Span:
    """The first line of a template's body (after its front matter)."""
    source = template.source
    total = len(source.text.splitlines())
    line = max(1, total - len(template.text.splitlines()) + 1)
    return Span(source, line, 1, line, len(source.line(line)) + 1)


# ---------------------------------------------------------------- forbidden variables


def forbidden_variables(rule: ApplicableRule) -> frozenset[str]:
    """The template variables a `forbid content` rule names: `phi` is every PHI class."""
    constraint = rule.rule.constraint
    if not isinstance(constraint, ast.ForbidContent):
        return frozenset()
    word = constraint.content_class.name
    found = {v for v in expand_content(word) if v in TEMPLATE_VARIABLES}
    found |= {v for v in PHI_CLASSES if v.split(".")[-1] == word}  # `diagnosis` for `invoice.diagnosis`
    return frozenset(found)


def forbidden(rule: ApplicableRule, uses: list[TemplateUse]) -> Iterator[Diagnostic]:
    """Each forbidden variable each template shows on a channel the rule covers."""
    constraint = rule.rule.constraint
    assert isinstance(constraint, ast.ForbidContent)
    variables = forbidden_variables(rule)
    on_rule_channels = [u for u in uses if on_channels(u, constraint.channels)]
    for path, group_uses in group(iter(on_rule_channels)).items():
        template = group_uses[0].template
        for variable in (v for v in template.variables if v in variables):
            meaning = PHI_CLASSES.get(variable) or TEMPLATE_VARIABLES[variable].description
            yield rule_finding(
                rule,
                template.span_of(variable),
                f"template `{template.name}` ({template.language}) shows `{variable}` ({meaning}), which "
                f"`{rule.rule_id}` forbids in {channels_text(constraint.channels)}; sent by {listed(group_uses)}",
                f"remove `{variable}` from `{path}`; the facility name, service date, balance and account "
                "reference identify a bill without clinical detail",
            )
