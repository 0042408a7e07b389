"""`parley score reply` through typer's runner: the JSON it prints, its exit codes, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.scores.replies_hardship import RULES_VERSION
from runtime.cli import app
from runtime.commands.score_cmds import register

register(app)
register(app)  # registering twice adds nothing twice
runner = CliRunner()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch models folder: the first command trains the reply model into it."""
    return tmp_path_factory.mktemp("models")


def run(models: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["score", "reply", *args], env={"PARLEY_MODELS": str(models)})


def clean_exit(result, code: int) -> None:  # type: ignore[no-untyped-def]
    """The exit code we promise, and never a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_score_group_is_registered_once() -> None:
    assert [g.name for g in app.registered_groups].count("score") == 1


CASES = [
    # (reply, language on file, intents that must be true, language)
    ("STOP", None, {"stop"}, "en"),
    ("No más, por favor", "es", {"stop"}, "es"),
    ("déjenme en paz", None, {"stop"}, "es"),
    ("why didn't my insurance pay for this?", None, {"insurance_question"}, "en"),
    ("wrong number, I don't know any Maria", None, {"wrong_person"}, "en"),
    ("puedo pagar 50 dólares el viernes", None, {"payment_promise"}, "es"),
    ("ok", "es", set(), "es"),  # too short to detect: the language on file wins
]


@pytest.mark.parametrize(("text", "on_file", "true", "language"), CASES)
def test_reply_scores_as_json(models: Path, text: str, on_file: str | None, true: set[str], language: str) -> None:
    args = [text] + (["--language-on-file", on_file] if on_file else [])
    result = run(models, *args)
    clean_exit(result, 0)
    out = json.loads(result.output)
    assert {name for name, value in out["intent"].items() if value} == true
    assert set(out["intent"]) == {
        "hardship",
        "billing_confusion",
        "dispute",
        "stop",
        "payment_promise",
        "wrong_person",
        "insurance_question",
        "callback_request",
    }
    assert set(out["sentiment"]) == {"frustration", "confusion", "anxiety"}
    assert all(0.0 <= v <= 1.0 for v in out["sentiment"].values())
    assert out["language"] == language
    assert "reply-intents-tfidf-lr@1.0.0" in out["models"] and "reply-keywords@2.0.0" in out["models"]
    assert out["sources"]["intent.stop"] == "reply-keywords@2.0.0" or "stop" in true


def test_the_stop_rule_is_named(models: Path) -> None:
    out = json.loads(run(models, "please stop texting me").output)
    assert out["stop_rule"] == {"rule": "fcc-keyword", "matched": "stop"}
    assert json.loads(run(models, "I'll pay friday").output)["stop_rule"] is None


def test_the_hardship_rule_is_named(models: Path) -> None:
    out = json.loads(run(models, "I lost my job, I cannot pay").output)
    assert out["intent"]["hardship"] is True
    assert out["hardship_rule"] == {"rule": "cannot-pay", "matched": "cannot pay"}
    assert out["sources"]["intent.hardship"] == f"reply-hardship-rules@{RULES_VERSION}"
    assert json.loads(run(models, "I can pay on Friday").output)["hardship_rule"] is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "Missing argument"),
        (("",), "give the reply's text"),
        (("   ",), "give the reply's text"),
        (("hola", "--language-on-file", "fr"), "`fr` is not one we support"),
        (("hola", "--language-on-file"), "requires an argument"),
    ],
)
def test_usage_errors_exit_2(models: Path, args: tuple[str, ...], words: str) -> None:
    result = run(models, *args)
    clean_exit(result, 2)
    assert words in result.output


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    clean_exit(run(tmp_path, "stop"), 0)
    [model_file] = tmp_path.glob("replies/*/model.joblib")
    model_file.write_bytes(model_file.read_bytes() + b"x")
    result = run(tmp_path, "stop")
    clean_exit(result, 1)
    assert "changed since it was saved" in result.output
