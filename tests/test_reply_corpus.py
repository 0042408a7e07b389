"""The reply corpus: big enough per intent and language, invented, reproducible, and split by seed."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.scores.replies_corpus import INTENT_NAMES, LANGUAGES, SENTIMENT_NAMES, parse_seeds, split_of
from engine.scores.replies_typos import normalise
from runtime.reply_models import build_corpus, load_corpus


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, object]]:
    return load_corpus()


def test_the_shipped_files_are_what_the_seeds_build(corpus: list[dict[str, object]]) -> None:
    # rebuild with `python -m runtime.reply_models corpus` after editing a seed file
    def by_id(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return sorted(rows, key=lambda r: str(r["id"]))

    assert by_id(corpus) == by_id(build_corpus())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", INTENT_NAMES)
def test_at_least_100_replies_per_intent_and_language(corpus, intent: str, language: str) -> None:  # type: ignore[no-untyped-def]
    count = sum(intent in r["intents"] and r["language"] == language for r in corpus)
    held_out = sum(intent in r["intents"] and r["language"] == language and r["split"] == "test" for r in corpus)
    assert count >= 100 and held_out >= 15, (count, held_out)


def test_rows_are_well_formed(corpus: list[dict[str, object]]) -> None:
    ids = Counter(r["id"] for r in corpus)
    assert max(ids.values()) == 1
    for r in corpus:
        assert r["split"] in ("train", "test") and r["language"] in LANGUAGES and r["text"]
        assert set(r["intents"]) <= set(INTENT_NAMES)  # type: ignore[arg-type]
        assert set(r["sentiment"]) == set(SENTIMENT_NAMES)  # type: ignore[arg-type]
        assert all(0.0 <= v <= 1.0 for v in r["sentiment"].values())  # type: ignore[attr-defined]


def test_multi_intent_and_mixed_language_replies_are_there(corpus: list[dict[str, object]]) -> None:
    assert sum(len(r["intents"]) > 1 for r in corpus if r["split"] == "test") >= 40  # type: ignore[arg-type]
    assert any("gracias" in str(r["text"]) for r in corpus if r["language"] == "en")
    assert any("sorry" in str(r["text"]) for r in corpus if r["language"] == "es")


def test_no_held_out_phrasing_leaks_into_training(corpus: list[dict[str, object]]) -> None:
    train = {normalise(str(r["text"])) for r in corpus if r["split"] == "train"}
    test = {normalise(str(r["text"])) for r in corpus if r["split"] == "test"}
    assert len(train & test) <= 5, train & test  # only replies anyone might write, like "ok"


def test_the_split_is_fixed_by_the_seed_text() -> None:
    assert split_of("en", "stop") == split_of("en", "stop")
    seeds = parse_seeds("## stop\n200 +dispute not mine, stop\n000 quit\n", "en")
    assert seeds[0].intents == ("stop", "dispute") and seeds[0].sentiment == (2 / 3, 0.0, 0.0)
    assert seeds[1].split == split_of("en", "quit")
