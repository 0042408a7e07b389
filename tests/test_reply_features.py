"""Step definitions for tests/features/replies_*.feature: revocation wording, read by the rules and scored."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.scores.intents import ReplyModel
from engine.scores.replies_revocation import revocation
from engine.scores.service import score_reply
from runtime.reply_models import default_reply_model

scenarios("replies_revocation.feature")


@pytest.fixture(scope="module")
def reply_model(tmp_path_factory: pytest.TempPathFactory) -> ReplyModel:
    """The reply classifier as shipped, trained once into a scratch models folder."""
    return default_reply_model(tmp_path_factory.mktemp("models"))


@pytest.fixture
def reply() -> dict[str, Any]:
    """The reply the steps read."""
    return {}


@given(parsers.parse('a patient replies "{text}"'))
def patient_replies(reply: dict[str, Any], text: str) -> None:
    reply["text"] = text


@when("the reply is read")
def read_it(reply: dict[str, Any]) -> None:
    reply["verdict"] = revocation(reply["text"])


@then("it revokes consent")
def revokes(reply: dict[str, Any]) -> None:
    assert reply["verdict"].revoked, reply["text"]


@then("it does not revoke consent")
def does_not_revoke(reply: dict[str, Any]) -> None:
    assert not reply["verdict"].revoked, (reply["text"], reply["verdict"])


@then("the reply is scored with intent.stop yes")
def scored_as_stop(reply: dict[str, Any], reply_model: ReplyModel) -> None:
    values, sources = score_reply(reply["text"], reply_model)
    assert values["intent.stop"] is True
    assert sources["intent.stop"].model_id == "reply-keywords"  # the rules decided, and the trace says so
