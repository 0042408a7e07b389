"""`parley score reply`: the scores of one patient reply, as JSON, so anyone can test a wording.

A compliance officer can type any reply and see whether Parley reads it as a stop or a hardship,
which rule said so, every other intent and sentiment, the language, and the model and version behind each
value. The reply model is the one in the models folder (`var/models/replies/` or under
`PARLEY_MODELS`), trained there on first use (a few seconds) from the corpus that ships.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Annotated, Any

import typer

from engine.scores.language import SUPPORTED
from engine.scores.replies_scoring import ReplyReading

score_app = typer.Typer(help="Score things the engine reads: a patient's reply.", no_args_is_help=True)


def source_name(model_id: str, model_version: str) -> str:
    """`id@version`, the way the trace names a model."""
    return f"{model_id}@{model_version}"


def as_json(text: str, reading: ReplyReading, probabilities: dict[str, float] | None) -> dict[str, Any]:
    """The reply's scores as the command prints them."""
    intents = {name.removeprefix("intent."): v for name, v in reading.values.items() if name.startswith("intent.")}
    sentiments = {
        name.removeprefix("sentiment."): v for name, v in reading.values.items() if name.startswith("sentiment.")
    }
    sources = {name: source_name(s.model_id, s.version) for name, s in reading.sources.items()}
    revoked, hard = reading.revocation, reading.hardship
    return {
        "text": text,
        "intent": intents,
        "intent_probability": probabilities,
        "sentiment": sentiments,
        "language": reading.language.language,
        "language_source": reading.language.source,
        "language_confidence": reading.language.confidence,
        "stop_rule": {"rule": revoked.rule_id, "matched": revoked.matched} if revoked.revoked else None,
        "hardship_rule": {"rule": hard.rule_id, "matched": hard.matched} if hard.found else None,
        "sources": sources,
        "models": sorted({*sources.values(), source_name("py3langid", version("py3langid"))}),
    }


@score_app.command("reply")
def reply(
    text: Annotated[str, typer.Argument(help="the patient's reply, in quotes")],
    language_on_file: Annotated[
        str | None,
        typer.Option("--language-on-file", help=f"the patient's language on file ({', '.join(SUPPORTED)})"),
    ] = None,
) -> None:
    """Print a reply's intents, sentiments, language and the models behind them, as JSON."""
    if not text.strip():
        typer.echo('give the reply\'s text, e.g. `parley score reply "stop texting me"`', err=True)
        raise typer.Exit(2)
    if language_on_file is not None and language_on_file.lower() not in SUPPORTED:
        choices = ", ".join(f"`{code}`" for code in SUPPORTED)
        typer.echo(f"the language on file `{language_on_file}` is not one we support; use {choices}", err=True)
        raise typer.Exit(2)
    # Loaded here, not at import: scikit-learn costs seconds that `parley check` should not pay.
    from engine.scores.replies_scoring import read_reply
    from runtime.models import ModelStoreError
    from runtime.reply_models import default_reply_model

    try:
        model = default_reply_model()
    except (ModelStoreError, OSError) as broken:
        typer.echo(f"the reply model cannot be loaded: {broken}", err=True)
        raise typer.Exit(1) from broken
    on_file = language_on_file.lower() if language_on_file else None
    reading = read_reply(text, model, on_file)
    probabilities = model.score([text])[0].intents
    typer.echo(json.dumps(as_json(text, reading, probabilities), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `parley` command line (once, however often it is called)."""
    if any(group.name == "score" for group in app.registered_groups):
        return
    app.add_typer(score_app, name="score")
