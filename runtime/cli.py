"""The `parley` command line: check, format and explain language files.

This is an edge of the system: it reads files and the clock, then hands pure values to `dsl`.
Exit codes: 0 when there is no error, 1 when a check finds one, 2 on a usage error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from dsl.check import CheckOptions, check_text
from dsl.diagnostics import Diagnostic, render_all_text, render_json
from dsl.explain import explain as explain_rule
from dsl.explain import rule_ids
from dsl.formatter import format_text
from runtime.commands import engine_cmds, model_cmds, outbox_cmds, score_cmds, serve_cmds
from runtime.files import load_policies, load_templates

app = typer.Typer(
    help="Parley: patient outreach strategies, proved against the law before they run.",
    no_args_is_help=True,
    add_completion=False,
)

SUFFIX = ".parley"


def collect_files(paths: list[Path]) -> list[Path]:
    """Every language file named, looking inside folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}")))
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"no such file or folder: {path}", param_hint="PATH")
    return found


def read_text(path: Path) -> str:
    """A file's text; bytes that are not UTF-8 become U+FFFD so the parser can point at them."""
    return path.read_bytes().decode("utf-8", errors="replace")


def default_folder(given: Path | None, name: str) -> Path | None:
    """The folder given, or `./NAME` when it exists."""
    if given is not None:
        if not given.is_dir():
            raise typer.BadParameter(f"no such folder: {given}", param_hint=f"--{name}")
        return given
    candidate = Path(name)
    return candidate if candidate.is_dir() else None


def parse_date(text: str | None) -> dt.date:
    """`--as-of` as a date; today when not given."""
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"`{text}` is not a date; write YYYY-MM-DD", param_hint="--as-of") from None


def build_options(templates: Path | None, policies: Path | None, as_of: str | None) -> tuple[CheckOptions, list]:
    """Check options from the folders on disk, and the findings about those folders themselves."""
    findings: list[Diagnostic] = []
    template_set = None
    template_folder = default_folder(templates, "templates")
    if template_folder is not None:
        template_set, template_findings = load_templates(template_folder)
        findings.extend(template_findings)
    packs: list = []
    policy_folder = default_folder(policies, "policies")
    if policy_folder is None:
        # Without packs a strategy would check "clean" against no law at all: refuse instead.
        raise typer.BadParameter(
            "no policy packs found: run from the project folder (it has `policies/`) or pass --policies DIR",
            param_hint="--policies",
        )
    packs, policy_findings = load_policies(policy_folder)
    findings.extend(policy_findings)
    options = CheckOptions(templates=template_set, policies=tuple(packs), as_of=parse_date(as_of))
    return options, findings


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., help="Strategy or policy files, or folders holding them."),
    output_format: str = typer.Option("text", "--format", help="Output: `text` or `json`."),
    templates: Path | None = typer.Option(None, "--templates", help="Template folder \\[default: ./templates]."),
    policies: Path | None = typer.Option(None, "--policies", help="Policy pack folder \\[default: ./policies]."),
    as_of: str | None = typer.Option(None, "--as-of", help="Check against the law in force on this date."),
) -> None:
    """Check strategies against the language and every policy pack; exit 1 on an error."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("use `text` or `json`", param_hint="--format")
    options, findings = build_options(templates, policies, as_of)
    for path in collect_files(paths):
        findings.extend(check_text(read_text(path), str(path), options).diagnostics)
    typer.echo(render_json(findings) if output_format == "json" else render_all_text(findings))
    raise typer.Exit(1 if any(d.is_error for d in findings) else 0)


@app.command()
def fmt(
    paths: list[Path] = typer.Argument(..., help="Files or folders to format in place."),
    check_only: bool = typer.Option(False, "--check", help="Only report files that are not formatted; exit 1 if any."),
) -> None:
    """Rewrite files in Parley's canonical layout, keeping every comment."""
    unformatted: list[Path] = []
    failed = False
    for path in collect_files(paths):
        original = read_text(path)
        result = format_text(original, str(path))
        if result.text is None:
            failed = True
            typer.echo(render_all_text(result.diagnostics), err=True)
            continue
        if result.text != original:
            unformatted.append(path)
            if not check_only:
                path.write_text(result.text, encoding="utf-8")
    verb = "would reformat" if check_only else "reformatted"
    for path in unformatted:
        typer.echo(f"{verb} {path}")
    typer.echo(f"{len(unformatted)} file(s) {verb}")
    raise typer.Exit(1 if failed or (check_only and unformatted) else 0)


@app.command()
def explain(
    rule_id: str = typer.Argument(..., help="A rule id such as REGF-FREQ-7IN7."),
    policies: Path | None = typer.Option(None, "--policies", help="Policy pack folder \\[default: ./policies]."),
) -> None:
    """Print a rule: its citation, parameters, kind and the language constructs it constrains."""
    folder = default_folder(policies, "policies")
    packs = load_policies(folder)[0] if folder else []
    explanation = explain_rule(rule_id, packs)
    if explanation is None:
        from dsl.parse_errors import closest_word

        near = closest_word(rule_id.upper(), set(rule_ids(packs)))
        hint = f"; did you mean `{near}`?" if near else ""
        typer.echo(f"no rule `{rule_id}` in {folder or 'any policy folder'}{hint}", err=True)
        raise typer.Exit(2)
    typer.echo(explanation.render())


@app.command()
def demo() -> None:
    """Check and format-check the example strategies and show the findings (`make run` starts the service)."""
    typer.echo("== Checking strategies/ against policies/ and templates/ ==")
    options, findings = build_options(None, None, None)
    for path in collect_files([Path("strategies")]):
        findings.extend(check_text(read_text(path), str(path), options).diagnostics)
    typer.echo(render_all_text(findings))
    typer.echo("\n== Formatting (check only) ==")
    for path in collect_files([Path("strategies")]):
        result = format_text(read_text(path), str(path))
        state = "formatted" if result.text == read_text(path) else "not in canonical layout (run `parley fmt`)"
        typer.echo(f"{path}: {state}")
    raise typer.Exit(1 if any(d.is_error for d in findings) else 0)


# The other commands come after the language's in `--help`: the engine's (guard, decide), the
# scores' (score reply), the models' (train, audit fairness), the service's (serve) and its
# delivery worker's (outbox work).
for commands in (engine_cmds, score_cmds, model_cmds, serve_cmds, outbox_cmds):
    commands.register(app)
