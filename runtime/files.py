"""Reading the template and policy folders from disk, for the pure checker to use.

This is an edge of the system: it reads files and hands texts to `dsl`. Problems with the folders
themselves (a missing folder, a file that is not UTF-8) are diagnostics with rule `FILE`; problems
inside the files are the language's own diagnostics (`PARSE`, `NAME`, `TYPE`, `TEMPLATE`, …).
"""

from __future__ import annotations

from pathlib import Path

from dsl import ast, resolve
from dsl.diagnostics import Diagnostic, error, has_errors, render_all_text
from dsl.parser import parse
from dsl.source import Source, Span
from dsl.templates import TemplateSet, build_template_set
from engine.guard import GuardRules, compile_rules

TEMPLATE_SUFFIX = ".j2"
POLICY_SUFFIX = ".parley"


def load_templates(folder: Path) -> tuple[TemplateSet, list[Diagnostic]]:
    """Every `NAME/LANG.j2` under `folder`, and the problems that make one unreadable."""
    if not folder.is_dir():
        return TemplateSet(), [folder_missing(folder, "templates")]
    files: dict[tuple[str, str], tuple[str, str]] = {}
    findings: list[Diagnostic] = []
    for path in sorted(folder.glob(f"*/*{TEMPLATE_SUFFIX}")):
        text = read_text(path, findings)
        if text is not None:
            files[(path.parent.name, path.stem)] = (text, str(path))
    templates, problems = build_template_set(files)
    return templates, findings + problems


def load_policies(folder: Path) -> tuple[list[ast.Policy], list[Diagnostic]]:
    """Every policy pack in `folder` (`*.parley`, subfolders included) and the findings about them.

    A pack with an error is left out, so no check runs on a rule the checker cannot read; its
    errors are in the findings, so the run still fails.
    """
    if not folder.is_dir():
        return [], [folder_missing(folder, "policies")]
    policies: list[ast.Policy] = []
    findings: list[Diagnostic] = []
    for path in sorted(folder.rglob(f"*{POLICY_SUFFIX}")):
        text = read_text(path, findings)
        if text is None:
            continue
        parsed = parse(text, str(path))
        pack_findings = list(parsed.diagnostics)
        program = parsed.program
        if isinstance(program, ast.Strategy):
            pack_findings.append(
                error(
                    "FILE",
                    program.span,
                    "this is a strategy, not a policy pack",
                    "keep strategies out of the policies folder",
                )
            )
        elif program is not None:
            pack_findings.extend(resolve.check(program))
            if not has_errors(pack_findings):
                policies.append(program)
        findings.extend(pack_findings)
    return policies, findings


def load_guard_rules(folder: Path) -> GuardRules:
    """The packs of a folder compiled for the guard; a ValueError that says why when any cannot be used.

    Judging without a pack that failed to read would allow what that pack forbids.
    """
    if not folder.is_dir():
        raise ValueError(f"there is no policies folder `{folder}`")
    packs, findings = load_policies(folder)
    if any(d.is_error for d in findings):
        raise ValueError(f"the packs in `{folder}` have errors:\n{render_all_text(findings)}")
    return compile_rules(packs)


def read_text(path: Path, findings: list[Diagnostic]) -> str | None:
    """A file's UTF-8 text, or None with a finding when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as problem:
        findings.append(error("FILE", file_span(path), f"`{path}` is not UTF-8 text ({problem.reason})", None))
    except OSError as problem:
        findings.append(error("FILE", file_span(path), f"`{path}` cannot be read: {problem.strerror}", None))
    return None


def folder_missing(folder: Path, what: str) -> Diagnostic:
    """The finding for a folder that is not there."""
    return error(
        "FILE", file_span(folder), f"there is no {what} folder `{folder}`", f"create `{folder}` or name another"
    )


def file_span(path: Path) -> Span:
    """A span that names a file without pointing into it."""
    return Span(Source(str(path), ""))
