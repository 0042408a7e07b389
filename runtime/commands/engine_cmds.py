"""`parley guard` and `parley decide`: the runtime guard on one case, the engine on a portfolio.

This is an edge of the system: it reads files and the environment, then hands pure values to
`engine`. `runtime.cli` registers these commands with `register(app)`.

Exit codes: `guard` 0 when the contact is allowed, 1 when it is not, 2 when the case or the
packs cannot be read; `decide` 0 when every account was decided, 1 when some rows could not be
read (they are listed, and written as `error` rows), 2 on a usage error or a strategy that does
not check.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dsl import ast
from dsl.check import CheckOptions, check_text
from dsl.diagnostics import render_all_text
from engine.decide import Decision, decide
from engine.evaluators import EVALUATORS, build_plan
from engine.guard import CaseError, GuardRules, judge, parse_case
from engine.guarding import account_guard
from engine.plan import Plan, strategy_organization
from engine.recipients import ledger_route
from runtime.files import load_guard_rules, load_policies
from runtime.portfolio import PortfolioAccount, PortfolioError, read_portfolio
from runtime.portfolio_out import WRITE_SUFFIXES, decision_rows, error_row, write_decisions

SCORE_BATCH = 10_000  # accounts per model call: a row costs ~16 µs in a batch, ~3 ms alone (measured)


def register(app: typer.Typer) -> None:
    """Add `guard` and `decide` to the `parley` command line (once, however often it is called)."""
    present = {c.name for c in app.registered_commands}
    if "guard" not in present:
        app.command("guard")(guard_command)
    if "decide" not in present:
        app.command("decide")(decide_command)


def fail(message: str) -> typer.Exit:
    """Print a usage problem on stderr; the caller raises the returned exit (code 2)."""
    typer.echo(message, err=True)
    return typer.Exit(2)


def guard_rules(folder: Path | None) -> GuardRules:
    """The packs of a folder compiled for the guard; a pack with an error stops the run."""
    folder = folder or Path("policies")
    try:
        return load_guard_rules(folder)
    except ValueError as problem:
        raise fail(f"{problem}\nfix them, or name another folder with --policies") from None


def guard_command(
    case_file: Path = typer.Argument(..., metavar="CASE.json", help="A guard case (DESIGN.md's format)."),
    policies: Path | None = typer.Option(None, "--policies", help="Policy pack folder \\[default: ./policies]."),
) -> None:
    """May this contact go out now? Print the guard's verdict as JSON (exit 1 when it may not)."""
    try:
        data = json.loads(case_file.read_bytes().decode("utf-8"))
    except OSError as problem:
        raise fail(f"cannot read `{case_file}`: {problem.strerror}") from None
    except UnicodeDecodeError:
        raise fail(f"`{case_file}` is not UTF-8 text") from None
    except json.JSONDecodeError as problem:
        raise fail(
            f"`{case_file}` is not JSON: {problem.msg} (line {problem.lineno}, column {problem.colno})"
        ) from None
    if isinstance(data, dict) and "case" in data and "now" not in data:
        data = data["case"]  # a golden file: the case with the verdict it must get
    try:
        case = parse_case(data)
    except CaseError as problem:
        typer.echo(json.dumps({"error": problem.to_dict()}, indent=2))
        raise fail(f"{problem.field}: {problem.message}") from None
    verdict = judge(case, guard_rules(policies))
    typer.echo(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    raise typer.Exit(0 if verdict.allowed else 1)


def decide_command(
    portfolio: Path = typer.Option(..., "--portfolio", help="Accounts: a `.csv` or `.parquet` file."),
    strategy: Path = typer.Option(..., "--strategy", help="The strategy (`.parley`) to run."),
    now: str = typer.Option(..., "--now", help="The decision time with its offset, e.g. 2026-03-16T13:00:00Z."),
    out: Path | None = typer.Option(
        None, "--out", help="Decisions: `.csv`, `.parquet` or `.jsonl` \\[default: stdout]."
    ),
    engine: str | None = typer.Option(
        None, "--engine", help="compiled, reference or durable \\[default: $PARLEY_ENGINE]."
    ),
    policies: Path | None = typer.Option(None, "--policies", help="Policy pack folder \\[default: ./policies]."),
    scores: bool = typer.Option(
        True, "--scores/--no-scores", help="Score every account with the models first \\[default: on]."
    ),
    models: Path | None = typer.Option(
        None, "--models", help="Models folder \\[default: $PARLEY_MODELS or var/models, trained on first use]."
    ),
) -> None:
    """Decide the next actions for every account of a portfolio, each cleared by the runtime guard.

    Each account is first scored by the propensity and distress models (in batches); the trace names
    the model and version behind every score. `--no-scores` decides on the file's own scores.
    """
    evaluator = engine or os.environ.get("PARLEY_ENGINE") or "compiled"
    if evaluator not in EVALUATORS:
        raise fail(f"unknown engine `{evaluator}`; choose one of {', '.join(EVALUATORS)}")
    moment = read_now(now)
    if out is not None and out.suffix.lower() not in WRITE_SUFFIXES:
        raise fail(f"`{out.name}`: write decisions to a `.csv`, `.parquet` or `.jsonl` file")
    rules = guard_rules(policies)
    plan = load_plan(strategy, policies or Path("policies"), moment.date(), evaluator)
    try:
        book = read_portfolio(portfolio)
    except PortfolioError as problem:
        raise fail(str(problem)) from None
    for error in book.errors:
        typer.echo(error.render(), err=True)
    accounts = score_portfolio(book.accounts, models, moment) if scores else book.accounts
    # The accounts live until the run ends: moved out of the collector's sight, a full collection
    # no longer walks every ledger row of the portfolio again and again while deciding.
    gc.collect()
    gc.freeze()
    console = Console(stderr=True)
    started = time.perf_counter()
    counts = {"proposed": 0, "accounts": 0}

    def rows(advance: Callable[[], None]) -> Iterator[dict]:
        # Rows stream to the file as they are decided: a large portfolio never sits in memory.
        yield from (error_row(e) for e in book.errors)
        for decision in decide_all(plan, accounts, moment, rules, strategy_organization(plan)):
            counts["accounts"] += 1
            counts["proposed"] += len(decision.proposals)
            advance()
            yield from decision_rows(decision, plan, evaluator)

    try:
        with progress_bar(console) as bar:
            task = bar.add_task("deciding", total=len(accounts))
            write_out(rows(lambda: bar.advance(task)), out)
    finally:
        gc.unfreeze()  # a caller in the same process (a test, a notebook) gets its collector back
    elapsed = time.perf_counter() - started
    rate = counts["accounts"] / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{counts['accounts']} account(s) decided with the {evaluator} engine in {elapsed:.1f}s ({rate:,.0f}/s): "
        f"{counts['proposed']} action(s) proposed, {len(book.errors)} row(s) unreadable"
    )
    raise typer.Exit(1 if book.errors else 0)


def read_now(text: str) -> dt.datetime:
    """`--now` as an aware instant: the offset is required, so no run depends on the machine's zone."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"`{text}` is not a time; write e.g. `2026-03-16T13:00:00Z`") from None
    if moment.tzinfo is None:
        raise fail(f"`{text}` has no UTC offset; write e.g. `{text}Z` or `{text}-05:00`")
    return moment


def load_plan(path: Path, policies: Path, as_of: dt.date, evaluator: str) -> Plan:
    """The strategy checked against the packs on the decision's date and compiled; errors stop the run."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise fail(f"cannot read the strategy `{path}` as UTF-8 text") from None
    packs = tuple(load_policies(policies)[0]) if policies.is_dir() else ()
    result = check_text(text, str(path), CheckOptions(policies=packs, as_of=as_of))
    program = result.parsed.program
    if not result.ok or not isinstance(program, ast.Strategy):
        typer.echo(render_all_text(list(result.diagnostics)), err=True)
        raise fail(f"`{path}` is not a strategy that checks; fix the errors above before running it")
    return build_plan(program, text, evaluator)


def score_portfolio(accounts: list[PortfolioAccount], folder: Path | None, now: dt.datetime) -> list[PortfolioAccount]:
    """The accounts with the models' scores in their facts, scored a batch at a time.

    The models' values replace a score the file gives, and `score_sources` names the model and
    version, so each decision's trace says which model stood behind the numbers it read. Best
    time and channel are drawn from the timing bandit's saved posterior (its priors when none is).
    """
    from engine.scores.registry import ScoreError  # scikit-learn loads only when scoring
    from engine.scores.service import score_account_states
    from runtime.bandit_store import load_bandit
    from runtime.models import ModelStoreError, default_models

    try:
        trained = default_models(folder)
        bandit = load_bandit(folder)
    except (ModelStoreError, OSError) as problem:
        raise fail(f"cannot load the scoring models: {problem}; pass --models DIR or --no-scores") from None
    scored: list[PortfolioAccount] = []
    for start in range(0, len(accounts), SCORE_BATCH):
        chunk = accounts[start : start + SCORE_BATCH]
        try:
            states = score_account_states([item.account for item in chunk], trained, bandit=bandit, now=now)
        except ScoreError as problem:
            raise fail(f"the models cannot score these accounts: {problem}") from None
        scored.extend(replace(item, account=state) for item, state in zip(chunk, states, strict=True))
    return scored


def decide_all(
    plan: Plan, accounts: Iterable[PortfolioAccount], now: dt.datetime, rules: GuardRules, organization: str
) -> Iterator[Decision]:
    """Decide for each account in turn, each proposal cleared by the account's own guard."""
    for item in accounts:
        guard = account_guard(item.account, item.ledger, rules, organization, now)
        # each contact judged on the point it would go to, as the service decides (`engine.recipients`)
        yield decide(plan, item.account, now, guard, ledger_route(item.ledger))


def progress_bar(console: Console) -> Progress:
    """A progress bar on stderr, so decisions on stdout stay clean."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def write_out(rows: Iterable[dict], out: Path | None) -> None:
    """Decisions to a file by its suffix, or as JSON Lines on stdout."""
    if out is None:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    try:
        write_decisions(out, rows)
    except PortfolioError as problem:
        raise fail(str(problem)) from None
    except OSError as problem:
        raise fail(f"cannot write `{out}`: {problem.strerror}") from None
