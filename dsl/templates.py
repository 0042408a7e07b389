"""Message templates, read without running them: their front matter, variables, filters and places.

A template is `templates/NAME/LANG.j2`: a small front matter between `---` lines (`channels: [sms]`)
and a Jinja2 body. Nothing here renders a template: the body is parsed by Jinja2's sandboxed
environment and its syntax tree is walked for the dotted variables it shows (`patient.first_name`,
`disclosure.opt_out`) and the filters it applies (`money`). Each variable use keeps its line and
column in the template file, so a finding points at the exact place.

`build_template_set` turns file texts into a `TemplateSet` and reports what makes a template
unreadable (syntax errors, malformed front matter) with rule `TEMPLATE`. `check_template` reports
what a strategy must not rely on: variables and filters Parley does not know.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from dsl.diagnostics import Diagnostic, error, warning
from dsl.front_matter import line_span, read_front_matter
from dsl.schema import TEMPLATE_VARIABLES, did_you_mean
from dsl.source import Source, Span
from dsl.vocabulary import language_problem

# Filters the renderer adds to Jinja2's own (INVARIANT: the runtime renderer registers each one).
CUSTOM_FILTERS: dict[str, str] = {
    "money": "an amount as dollars and cents, `$1,250.00`",
    "date": "a date in the patient's language",
    "percent": "a share as a percentage, `5%`",
}
# Jinja2's own names that a template may use without our schema knowing them.
JINJA_NAMES = frozenset({"loop", "self", "super", "caller", "varargs", "kwargs", "range", "dict", "namespace"})

ENVIRONMENT = SandboxedEnvironment()


@dataclass(frozen=True)
class VariableUse:
    """One place a template shows a variable or applies a filter."""

    path: str
    span: Span


@dataclass(frozen=True)
class Template:
    """One template file: where it may go, what it shows, and where in the file it shows it."""

    name: str
    language: str
    channels: tuple[str, ...]
    variables: tuple[str, ...]
    text: str
    source: Source
    filters: tuple[str, ...] = ()
    uses: tuple[VariableUse, ...] = ()
    filter_uses: tuple[VariableUse, ...] = ()
    declares_channels: bool = False
    readable: bool = True
    front_matter: tuple[tuple[str, str | tuple[str, ...]], ...] = field(default=())

    @property
    def path(self) -> str:
        """The template file's path as it was given."""
        return self.source.name

    @property
    def disclosures(self) -> tuple[str, ...]:
        """The disclosure keys the template carries (`opt_out` for `disclosure.opt_out`)."""
        return tuple(v.split(".", 1)[1] for v in self.variables if v.startswith("disclosure."))

    def span_of(self, variable: str) -> Span:
        """Where the template first shows `variable` (the first line when it never does)."""
        for use in self.uses:
            if use.path == variable:
                return use.span
        return line_span(self.source, 1)


@dataclass(frozen=True, eq=False)
class TemplateSet:
    """Every template found, by name and language."""

    templates: Mapping[tuple[str, str], Template] = field(default_factory=dict)

    def get(self, name: str, language: str) -> Template | None:
        """The template `name` in `language`, or None."""
        return self.templates.get((name, language))

    @functools.cached_property
    def by_name(self) -> dict[str, tuple[str, ...]]:
        """Each template name with its languages, sorted (built once: strategies ask per action)."""
        index: dict[str, list[str]] = {}
        for name, language in self.templates:
            index.setdefault(name, []).append(language)
        return {name: tuple(sorted(languages)) for name, languages in index.items()}

    def languages_of(self, name: str) -> tuple[str, ...]:
        """The languages `name` exists in, sorted."""
        return self.by_name.get(name, ())

    def names(self) -> tuple[str, ...]:
        """Every template name, sorted."""
        return tuple(sorted(self.by_name))

    def __iter__(self) -> Iterator[Template]:
        return iter(self.templates[key] for key in sorted(self.templates))

    def __len__(self) -> int:
        return len(self.templates)


def build_template_set(files: Mapping[tuple[str, str], tuple[str, str]]) -> tuple[TemplateSet, list[Diagnostic]]:
    """Read `(name, language) -> (text, path)` into a template set and the problems that make one unreadable."""
    templates: dict[tuple[str, str], Template] = {}
    findings: list[Diagnostic] = []
    for (name, language), (text, path) in sorted(files.items()):
        template, problems = read_template(name, language, text, path)
        templates[(name, language)] = template
        findings.extend(problems)
    return TemplateSet(templates), findings


def read_template(name: str, language: str, text: str, path: str) -> tuple[Template, list[Diagnostic]]:
    """One template from its text; never raises."""
    source = Source(path, text)
    front, body_line, problems = read_front_matter(source)
    if language_problem(language) is not None:
        problems.append(
            warning(
                "TEMPLATE",
                line_span(source, 1),
                f"`{language}` in `{path}` is not a language code, so no strategy can choose this template",
                "name the file after a language code, like `en.j2` or `es.j2`",
            )
        )
    body = "\n".join(text.splitlines()[body_line - 1 :]) if body_line > 1 else text
    channels = front.get("channels", ())
    channels = (channels,) if isinstance(channels, str) else channels
    uses, filter_uses, readable = read_body(source, body_line, problems)
    template = Template(
        name,
        language,
        tuple(channels),
        tuple(dict.fromkeys(u.path for u in uses)),
        body,
        source,
        tuple(dict.fromkeys(u.path for u in filter_uses)),
        tuple(uses),
        tuple(filter_uses),
        declares_channels="channels" in front,
        readable=readable,
        front_matter=tuple(front.items()),
    )
    return template, problems


# ---------------------------------------------------------------- the body


def read_body(
    source: Source, body_line: int, problems: list[Diagnostic]
) -> tuple[list[VariableUse], list[VariableUse], bool]:
    """Variable and filter uses in the body; a syntax error becomes a problem and an unreadable template."""
    lines = source.text.splitlines()
    # The front matter becomes blank lines so Jinja2's line numbers equal the file's; an email's
    # `subject:` stays in place (its key blanked), since the subject shows variables too.
    front = [subject_only(line) for line in lines[: body_line - 1]]
    padded = "\n".join([*front, *lines[body_line - 1 :]])
    try:
        tree = ENVIRONMENT.parse(padded)
    except TemplateSyntaxError as problem:
        message = (problem.message or "the template cannot be read").rstrip(".")
        problems.append(
            error(
                "TEMPLATE",
                line_span(source, problem.lineno or 1),
                f"the template cannot be read: {message[0].lower()}{message[1:]}",
                "check the `{{ … }}` and `{% … %}` marks on this line",
            )
        )
        return [], [], False
    except (RecursionError, MemoryError):
        problems.append(error("TEMPLATE", line_span(source, 1), "the template is nested too deeply to read", None))
        return [], [], False
    walker = Walker(source, local_names(tree))
    walker.visit(tree)
    return walker.uses, walker.filter_uses, True


def subject_only(line: str) -> str:
    """A front-matter line with everything but a subject's value blanked, columns kept."""
    key, colon, _value = line.partition(":")
    return " " * len(key + colon) + line[len(key + colon) :] if colon and key.strip() == "subject" else ""


def local_names(tree: nodes.Template) -> frozenset[str]:
    """Names the template itself binds (`{% set %}`, `{% for %}`, macro arguments)."""
    bound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    return frozenset(bound | {m.name for m in tree.find_all(nodes.Macro)} | JINJA_NAMES)


def dotted(node: nodes.Node) -> str | None:
    """`patient.first_name` for `patient.first_name` or `patient["first_name"]`; None otherwise."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = dotted(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        base = dotted(node.node)
        return f"{base}.{node.arg.value}" if base else None
    return None


class Walker:
    """Collects dotted variable uses and filters, each with its place in the template file."""

    def __init__(self, source: Source, locals_: frozenset[str]) -> None:
        self.source = source
        self.locals = locals_
        self.uses: list[VariableUse] = []
        self.filter_uses: list[VariableUse] = []
        # Where the previous use on each line ended: uses are visited in text order, so the next
        # one is searched from there (`patient` after `patient.first_name` is the later one).
        self.cursor: dict[int, int] = {}

    def visit(self, node: nodes.Node) -> None:
        """Collect the uses under `node`, in text order."""
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            # `x.upper()` is a method of `x`: the variable is `x`.
            self.visit(node.node.node)
            for child in (*node.args, *node.kwargs):
                self.visit(child)
            return
        if isinstance(node, nodes.Filter) and node.name:
            # The filtered value comes first in the text: visit it before placing the filter.
            for child in node.iter_child_nodes():
                self.visit(child)
            self.filter_uses.append(VariableUse(node.name, self.find(node.lineno, node.name, filter_=True)))
            return
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem) and getattr(node, "ctx", "") == "load":
            path = dotted(node)
            if path is not None:
                if path.split(".")[0] not in self.locals:
                    self.uses.append(VariableUse(path, self.find(node.lineno, path)))
                return
        for child in node.iter_child_nodes():
            self.visit(child)

    def find(self, line: int, path: str, filter_: bool = False) -> Span:
        """The span of the next occurrence of `path` on `line` (the whole line when not found)."""
        text = self.source.line(line)
        parts = [re.escape(p) for p in path.split(".")]
        prefix = r"\|\s*" if filter_ else r"(?<![\w.])"
        patterns = [prefix + r"\s*\.\s*".join(parts) + r"(?!\w)", r"(?<![\w.])" + parts[0] + r"(?!\w)"]
        starts = (self.cursor.get(line, 0), 0)
        for pattern, start in ((p, s) for p in patterns for s in starts):
            found = re.compile(pattern).search(text, start)
            if found:
                self.cursor[line] = found.end()
                begin = found.start() + (len(found.group()) - len(found.group().lstrip("| ")) if filter_ else 0)
                return Span(self.source, line, begin + 1, line, found.end() + 1)
        return line_span(self.source, line)


# ---------------------------------------------------------------- findings a strategy relies on


def check_template(template: Template) -> list[Diagnostic]:
    """Variables and filters the template uses that Parley does not know, each at its place."""
    findings: list[Diagnostic] = []
    reported: set[str] = set()
    for use in template.uses:
        if use.path in TEMPLATE_VARIABLES or use.path in reported:
            continue
        reported.add(use.path)
        findings.append(unknown_variable(use))
    for use in template.filter_uses:
        if use.path in ENVIRONMENT.filters or use.path in CUSTOM_FILTERS or use.path in reported:
            continue
        reported.add(use.path)
        hint = did_you_mean(use.path, [*CUSTOM_FILTERS, *ENVIRONMENT.filters]) or "use `money`, `date` or `percent`"
        findings.append(error("TEMPLATE", use.span, f"`{use.path}` is not a filter templates may use", hint))
    return findings


def unknown_variable(use: VariableUse) -> Diagnostic:
    """The finding for a variable outside the schema."""
    fields = [p for p in TEMPLATE_VARIABLES if p.startswith(use.path + ".")]
    if fields:
        shown = ", ".join(f"`{p}`" for p in fields[:3])
        return error("TEMPLATE", use.span, f"`{use.path}` is a group of values, not one value", f"use one of {shown}")
    return error(
        "TEMPLATE",
        use.span,
        f"`{use.path}` is not a template variable Parley knows",
        did_you_mean(use.path, TEMPLATE_VARIABLES) or "template variables are listed in the language guide",
    )


__all__ = [
    "CUSTOM_FILTERS",
    "Template",
    "TemplateSet",
    "VariableUse",
    "build_template_set",
    "check_template",
]
