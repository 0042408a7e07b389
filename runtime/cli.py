"""The `parley` command line: check and format language files (later: guard, decide, serve)."""

from __future__ import annotations

from pathlib import Path

import typer

from dsl.check import CheckOptions, check_text
from dsl.diagnostics import Diagnostic, render_all_text, render_json

app = typer.Typer(
    help="Parley: patient outreach strategies, proved against the law before they run.", no_args_is_help=True
)

SUFFIXES = (".parley",)


def collect_files(paths: list[Path]) -> list[Path]:
    """Every language file named, looking inside folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise typer.BadParameter(f"no such file or folder: {path}", param_hint="PATH")
    return found


def read_text(path: Path) -> str:
    """A file's text; bytes that are not UTF-8 become U+FFFD so the parser can point at them."""
    return path.read_bytes().decode("utf-8", errors="replace")


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., help="Strategy or policy files, or folders holding them."),
    output_format: str = typer.Option("text", "--format", help="`text` or `json`."),
    templates: Path | None = typer.Option(None, "--templates", help="Template folder (default: ./templates)."),
    policies: Path | None = typer.Option(None, "--policies", help="Policy pack folder (default: ./policies)."),
) -> None:
    """Check strategies and policy packs; exit 1 when there is an error."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("use `text` or `json`", param_hint="--format")
    options = CheckOptions()
    findings: list[Diagnostic] = []
    for path in collect_files(paths):
        findings.extend(check_text(read_text(path), str(path), options).diagnostics)
    typer.echo(render_json(findings) if output_format == "json" else render_all_text(findings))
    raise typer.Exit(1 if any(d.is_error for d in findings) else 0)


@app.command()
def demo() -> None:
    """Check the example strategies and show what Parley finds (what `make run` does)."""
    check([Path("strategies")], "text", None, None)
