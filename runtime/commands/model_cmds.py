"""`parley train` and `parley audit fairness`: training score models and auditing outcomes by group.

An edge of the system: these commands read files and the clock (the card's training date) and hand
plain values to `engine.scores`. Exit codes: 0 on success, 2 when the input cannot be used (every
problem is listed, each naming its row and column).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from engine.scores.fairness import AUDIT_MEASURES
from engine.scores.features import feature_rows
from engine.scores.models import PROVIDER_LIMITS, TrainedModel, train
from engine.scores.synthetic import FEATURES
from runtime.models import TRAINING_ROWS, TRAINING_SEED, models_folder, save_models, train_default
from runtime.training_data import TrainingDataError, TrainingSet, read_training

TARGETS = {
    # score name → (outcome column, model id, target words on the card)
    "score.propensity": ("paid_in_full", "propensity-hgb", "paid in full"),
    "score.distress": ("distressed", "distress-hgb", "financial distress"),
}

audit_app = typer.Typer(help="Audit what the engine did, by group of patients.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `train` and `audit fairness` to the `parley` command line (once, however often it is called)."""
    if "train" not in {c.name for c in app.registered_commands}:
        app.command("train")(train_command)
    if "audit" not in {g.name for g in app.registered_groups}:
        app.add_typer(audit_app, name="audit")


def fail(message: str) -> typer.Exit:
    """Print a usage problem on stderr; the caller raises the returned exit (code 2)."""
    typer.echo(message, err=True)
    return typer.Exit(2)


def train_from_file(data: TrainingSet, trained_on: str) -> dict[str, TrainedModel]:
    """Both models on a provider's history, through the pipeline that scores accounts in production."""
    matrix = feature_rows(data.facts).matrix
    return {
        score: train(
            matrix,
            data.outcomes[column],
            model_id,
            words,
            data.description,
            FEATURES,
            groups=data.groups,
            trained_on=trained_on,
            limits=PROVIDER_LIMITS,
        )
        for score, (column, model_id, words) in TARGETS.items()
    }


def train_command(
    data: Path | None = typer.Option(
        None, "--data", help="Your history of closed accounts: a `.csv` or `.parquet` file (columns above)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Models folder (default: $PARLEY_MODELS, else var/models)."),
    rows: int = typer.Option(TRAINING_ROWS, "--rows", min=1_000, help="Synthetic accounts, without --data."),
    seed: int = typer.Option(TRAINING_SEED, "--seed", help="Synthetic portfolio seed, without --data."),
    timing: bool = typer.Option(
        False, "--timing", help="Instead: the timing bandit learns best hours from the service's contact ledger."
    ),
    database: str | None = typer.Option(
        None, "--database-url", help="With --timing: the service's database (default: $PARLEY_DATABASE_URL)."
    ),
) -> None:
    """Train the propensity and distress models and save them with their cards.

    Without --data, trains the shipped models on the synthetic portfolio. With it, one row per
    closed account: the outcomes `paid_in_full` and `distressed` (1/0 or true/false) and `balance`
    are required; `original_balance`, `days_past_due`, `days_since_first_statement`, `insured`,
    `patient.age`, `prior_statements`, `prior_payments`, `missed_payments`, `income_to_poverty`,
    `plan_active` and `contacts_reached` are optional features (empty cells take documented
    defaults); `account_id` names rows in errors; `patient.language` and `jurisdiction` group the
    card's fairness summary.

    With --timing, the timing bandit relearns from every account's contacts and answers in the
    database (from its priors, never on top of the last posterior) and saves its card; the service
    reads the new posterior when it next starts.
    """
    if timing:
        if data is not None:
            raise fail("--timing learns from the database and --data trains the score models: use one at a time")
        train_timing(database, out)
        return
    if database is not None:
        raise fail("--database-url is read with --timing only")
    folder = out or models_folder()
    today = dt.date.today().isoformat()
    history = None if data is None else read_or_fail(data)
    try:
        folder.mkdir(parents=True, exist_ok=True)  # before training: a bad folder should not cost a training run
    except OSError as problem:
        raise fail(f"cannot write the models to `{folder}`: {problem.strerror or problem}") from None
    models = train_default(rows, seed) if history is None else train_from_file(history, today)
    try:
        save_models(models, folder)
        write_calibration_charts(models, folder)
    except OSError as problem:
        raise fail(f"cannot write the models to `{folder}`: {problem.strerror or problem}") from None
    for score, model in models.items():
        m = model.card.metrics
        typer.echo(
            f"{score}: {model.card.model_id} {model.card.version} on {model.card.rows:,} rows; held out: "
            f"AUC {m['auc']:.3f}, Brier {m['brier']:.3f} (base rate {m['base_rate']:.3f}); "
            f"card in {folder / f'{model.card.model_id}-{model.card.version}' / 'card.md'}"
        )


def train_timing(url: str | None, out: Path | None) -> None:
    """`parley train --timing`: relearn the bandit from the ledger and say what it learned from."""
    import sqlalchemy as sa

    from runtime.db.database import database_url, make_engine
    from runtime.service.learn_timing import learn_timing

    folder = out or models_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise fail(f"cannot write the models to `{folder}`: {problem.strerror or problem}") from None
    engine = make_engine(database_url(url))
    try:
        report = learn_timing(engine, dt.datetime.now(dt.UTC), folder)
    except sa.exc.SQLAlchemyError as problem:
        shown = engine.url.render_as_string(hide_password=True)
        reason = getattr(problem, "orig", None) or problem
        raise fail(f"cannot read the ledger in `{shown}` (is it migrated? `parley serve` does it): {reason}") from None
    except OSError as problem:
        raise fail(f"cannot write the models to `{folder}`: {problem.strerror or problem}") from None
    finally:
        engine.dispose()
    for reason in report.problems:
        typer.echo(f"skipped: {reason}", err=True)
    typer.echo(
        f"timing bandit: {report.contacts:,} contacts used from {report.accounts:,} accounts, "
        f"{report.answers:,} answered (rate {report.answer_rate:.3f}); {report.pending:,} still in their "
        f"72 hours and {report.unreached:,} never reached, left out; {report.skipped:,} rows skipped; "
        f"card in {report.folder / 'card.md' if report.folder else folder}"
    )


def read_or_fail(data: Path) -> TrainingSet:
    """The provider's history, or every problem with it on stderr and exit code 2."""
    try:
        history = read_training(data)
    except TrainingDataError as problem:
        for line in problem.problems:
            typer.echo(line, err=True)
        raise fail(f"`{data}` cannot be trained on: fix the problems above") from None
    if history.absent:
        typer.echo(f"not in the file, so at their defaults: {', '.join(history.absent)}", err=True)
    return history


def write_calibration_charts(models: dict[str, TrainedModel], folder: Path) -> None:
    """A calibration plot beside each model's card."""
    from runtime.charts import calibration_plot  # matplotlib loads only when a chart is drawn

    for model in models.values():
        target = folder / f"{model.card.model_id}-{model.card.version}" / "calibration.png"
        calibration_plot({model.card.model_id: model.card.calibration}, target, f"{model.card.model_id}: held out")


def parse_references(items: list[str]) -> dict[str, str]:
    """`--reference language=en` options as attribute → group."""
    found: dict[str, str] = {}
    for item in items:
        attribute, sep, group = item.partition("=")
        if not sep or not group.strip():
            raise fail(f"`{item}`: write a reference as ATTRIBUTE=GROUP, e.g. `language=en` or `age band=35-49`")
        found[attribute.strip()] = group.strip()
    return found


@audit_app.command("fairness")
def fairness_command(
    portfolio: Path = typer.Option(..., "--portfolio", help="The accounts (`.csv`/`.parquet`) the decisions were for."),
    decisions: list[Path] = typer.Option(
        ..., "--decisions", help="Decisions from `parley decide` (`.csv`, `.parquet`, `.jsonl`); repeat for each day."
    ),
    outcomes: Path | None = typer.Option(None, "--outcomes", help="Who paid: `account_id`, `paid` columns."),
    out: Path = typer.Option(Path("var/fairness"), "--out", help="Folder for `fairness.md` and `fairness.png`."),
    reference: list[str] = typer.Option([], "--reference", help="A reference group, e.g. `language=en` (repeatable)."),
) -> None:
    """Contact intensity, plan offers, hand-offs, escalations and payments by language, age band and
    jurisdiction, with ratios to the reference group and the four-fifths flag."""
    from runtime.charts import fairness_chart  # matplotlib loads only when a chart is drawn
    from runtime.fairness_report import AuditInputError, markdown, run_audit

    try:
        result = run_audit(portfolio, decisions, outcomes, parse_references(reference))
    except AuditInputError as problem:
        raise fail(str(problem)) from None
    measures = [m.name for m in AUDIT_MEASURES.values() if any(r.measure == m.name for r in result.rows)]
    report = out / "fairness.md"
    try:
        chart = fairness_chart(result.rows, measures, out / "fairness.png")
        report.write_text(markdown(result, chart.name), encoding="utf-8")
    except OSError as problem:
        raise fail(f"cannot write the audit to `{out}`: {problem.strerror or problem}") from None
    flagged = [r for r in result.rows if r.flagged]
    typer.echo(f"{result.accounts:,} account(s), {len(flagged)} flag(s): {report} and {chart}")
    for row in flagged:
        typer.echo(f"  flag: {row.attribute} `{row.group}`, {row.measure}: ratio {row.ratio:.2f} to `{row.reference}`")
