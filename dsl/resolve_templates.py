"""Template references in a strategy: each `send` and `call` names a template that is there.

For every `send CHANNEL "NAME"` and `call "NAME"`: the template exists in every language the
strategy promises (`languages en, es`); its front matter's `channels` allows the action's channel
(`call` scripts list `call`); it can be read; and every variable and filter it uses is one Parley
knows (`dsl.templates.check_template`, reported once per template file, at the place in the file).
With no `languages` line, every version that exists is checked. Rule id: `TEMPLATE`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.resolve_words import word_span
from dsl.schema import did_you_mean
from dsl.source import Span
from dsl.templates import Template, TemplateSet, check_template
from dsl.vocabulary import SEND_CHANNELS, language_problem

Messaging = ast.Send | ast.Call


def actions_of(strategy: ast.Strategy) -> Iterator[ast.Action]:
    """Every action in every step and handler, inside branches too."""
    for part in (*strategy.steps, *strategy.handlers):
        yield from body_actions(part.body)


def body_actions(body: tuple[ast.Stmt, ...]) -> Iterator[ast.Action]:
    """Every action of a body, inside branches too."""
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            yield from body_actions(stmt.then)
            yield from body_actions(stmt.otherwise)
        else:
            yield stmt


def promised_languages(strategy: ast.Strategy) -> tuple[str, ...]:
    """The strategy's languages that are real codes, each once, in order."""
    return tuple(dict.fromkeys(lang.name for lang in strategy.languages if language_problem(lang.name) is None))


def check_templates(strategy: ast.Strategy, templates: TemplateSet) -> list[Diagnostic]:
    """Template findings for every `send` and `call` of a strategy."""
    findings: list[Diagnostic] = []
    checked: set[tuple[str, str]] = set()
    languages = promised_languages(strategy)
    for action in actions_of(strategy):
        if isinstance(action, ast.Send) and action.channel not in SEND_CHANNELS:
            continue  # the channel itself is reported by the name check
        if isinstance(action, Messaging):
            findings.extend(check_reference(action, templates, languages, checked))
    return findings


def template_name(action: Messaging) -> str:
    """The template a `send` or `call` names."""
    return action.template if isinstance(action, ast.Send) else action.script


def check_reference(
    action: Messaging, templates: TemplateSet, languages: tuple[str, ...], checked: set[tuple[str, str]]
) -> list[Diagnostic]:
    """Findings for one action's template, and (once per file) for the template files themselves."""
    name = template_name(action)
    span = word_span(action.span, f'"{name}"')
    existing = templates.languages_of(name)
    if not existing:
        return [missing_template(action, name, span, templates, languages)]
    findings: list[Diagnostic] = []
    missing = [lang for lang in languages if lang not in existing]
    if missing:
        findings.append(missing_languages(name, span, missing))
    versions = [t for lang in (languages or existing) if (t := templates.get(name, lang)) is not None]
    findings.extend(check_versions(action, name, span, versions))
    for template in versions:
        key = (template.name, template.language)
        if template.readable and key not in checked:
            checked.add(key)
            findings.extend(check_template(template))
    return findings


def missing_template(
    action: Messaging, name: str, span: Span, templates: TemplateSet, languages: tuple[str, ...]
) -> Diagnostic:
    """The finding for a template that exists in no language."""
    what = "call script" if isinstance(action, ast.Call) else "template"
    hint = (
        did_you_mean(name, templates.names()) or f"add `{name}/{(languages or ('en',))[0]}.j2` to the templates folder"
    )
    return error("TEMPLATE", span, f"there is no {what} `{name}` in the templates folder", hint)


def missing_languages(name: str, span: Span, missing: list[str]) -> Diagnostic:
    """The finding for promised languages a template lacks."""
    shown = ", ".join(f"`{lang}`" for lang in missing)
    files = ", ".join(f"`{name}/{lang}.j2`" for lang in missing)
    return error(
        "TEMPLATE",
        span,
        f"template `{name}` has no version in {shown}, which the strategy promises in `languages`",
        f"add {files} to the templates folder, or stop promising the language",
    )


def check_versions(action: Messaging, name: str, span: Span, versions: list[Template]) -> list[Diagnostic]:
    """Each version can be read, says where it may go, and allows the action's channel."""
    channel = action.channel if isinstance(action, ast.Send) else "call"
    unreadable = [t for t in versions if not t.readable]
    silent = [t for t in versions if t.readable and not t.declares_channels]
    wrong = [t for t in versions if t.readable and t.declares_channels and channel not in t.channels]
    findings: list[Diagnostic] = []
    if unreadable:
        findings.append(
            error(
                "TEMPLATE",
                span,
                f"template `{name}` cannot be read in {languages_of(unreadable)}",
                f"fix the syntax error in {paths_of(unreadable)}",
            )
        )
    if silent:
        findings.append(
            error(
                "TEMPLATE",
                span,
                f"template `{name}` does not say which channels it may go in ({languages_of(silent)})",
                f"start {paths_of(silent)} with front matter: `---`, `channels: [{channel}]`, `---`",
            )
        )
    if wrong:
        findings.append(wrong_channel(action, name, span, channel, wrong))
    return findings


def wrong_channel(action: Messaging, name: str, span: Span, channel: str, wrong: list[Template]) -> Diagnostic:
    """The finding for versions whose front matter does not allow the action's channel."""
    allowed = ", ".join(f"`{c}`" for c in dict.fromkeys(c for t in wrong for c in t.channels)) or "no channel"
    if isinstance(action, ast.Call):
        message = f"`{name}` is not a call script: its front matter allows {allowed} ({languages_of(wrong)})"
        hint = f"call with a script whose `channels` lists `call`, or add `call` to {paths_of(wrong)}"
    else:
        message = f"template `{name}` is not meant for `{channel}`: it allows {allowed} ({languages_of(wrong)})"
        hint = f"send it by a channel it allows, or add `{channel}` to `channels` in {paths_of(wrong)}"
    return error("TEMPLATE", span, message, hint)


def languages_of(templates: list[Template]) -> str:
    """`en`, `es` for a message."""
    return ", ".join(f"`{t.language}`" for t in templates)


def paths_of(templates: list[Template]) -> str:
    """The template files, for a hint."""
    return ", ".join(f"`{t.path}`" for t in templates)
