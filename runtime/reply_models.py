"""The reply corpus on disk, and the reply model saved with its card, trained on first use.

The corpus ships inside the package (`engine/scores/data/replies/{en,es}.jsonl`), built from the
hand-written seeds by `python -m runtime.reply_models corpus`. The model lives beside the score
models, in `replies/` under the models folder (`var/models/` or `PARLEY_MODELS`), in the same
style as `runtime.models`: a subfolder `MODEL_ID-VERSION/` with `model.joblib` and `card.json`,
and an `index.json` with the model file's SHA-256, the scikit-learn version and the corpus hash.
A folder written by another scikit-learn, model version, corpus or rule version (the card measures the
stop and hardship rules as served) is retrained (about a second).
Loading checks the hash before unpickling, because a pickle runs code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import sklearn
from threadpoolctl import threadpool_limits

from engine.scores import intents, replies_hardship, replies_revocation
from engine.scores.intents import ReplyCard, ReplyModel
from engine.scores.language import detect
from engine.scores.replies_corpus import LANGUAGES, build, parse_seeds
from engine.scores.replies_hardship import hardship
from engine.scores.replies_revocation import revocation
from runtime.models import ModelStoreError, models_folder, write_atomically

INDEX = "index.json"
SUBFOLDER = "replies"
Row = dict[str, Any]


def corpus_folder() -> Path:
    """Where the corpus files ship: `engine/scores/data/replies/`."""
    return Path(str(resources.files("engine.scores") / "data" / "replies"))


def build_corpus(folder: Path | None = None) -> list[Row]:
    """The corpus built from the seed files (deterministic)."""
    where = folder or corpus_folder()
    seeds = []
    for language in LANGUAGES:
        seeds += parse_seeds((where / "seeds" / f"{language}.txt").read_text(encoding="utf-8"), language)
    return build(seeds)


def write_corpus(rows: Sequence[Row], folder: Path | None = None) -> list[Path]:
    """Write one JSON Lines file per language; returns the paths written."""
    where = folder or corpus_folder()
    paths = []
    for language in LANGUAGES:
        lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows if r["language"] == language]
        path = where / f"{language}.jsonl"
        write_atomically(path, ("\n".join(lines) + "\n").encode("utf-8"))
        paths.append(path)
    return paths


def load_corpus(split: str | None = None, folder: Path | None = None) -> list[Row]:
    """The shipped corpus rows, of one split (`train` or `test`) or all of them."""
    where = folder or corpus_folder()
    rows: list[Row] = []
    for language in LANGUAGES:
        text = (where / f"{language}.jsonl").read_text(encoding="utf-8")
        rows += [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def corpus_hash(folder: Path | None = None) -> str:
    """SHA-256 of the corpus files, so a changed corpus retrains the model."""
    where = folder or corpus_folder()
    digest = hashlib.sha256()
    for language in LANGUAGES:
        digest.update((where / f"{language}.jsonl").read_bytes())
    return digest.hexdigest()


def final_flags(model: ReplyModel, rows: Sequence[Row]) -> list[dict[str, bool]]:
    """The intents `score_reply` would give: the model's, with stop and hardship ORed with their rules."""
    flags = [s.flags(model.card.threshold) for s in model.score([r["text"] for r in rows])]
    for flag, row in zip(flags, rows, strict=True):
        flag["stop"] = flag["stop"] or revocation(row["text"]).revoked
        flag["hardship"] = flag["hardship"] or hardship(row["text"]).found
    return flags


def hardship_metrics(model: ReplyModel, test: Sequence[Row], everything: Sequence[Row]) -> dict[str, object]:
    """Hardship on held-out rows: recall and false hardships of the model, the rules, and both ORed
    (as served); and the rules' false hardships on every non-hardship reply of the corpus."""
    flags = [s.flags(model.card.threshold)["hardship"] for s in model.score([r["text"] for r in test])]
    rules = [hardship(r["text"]).found for r in test]
    truth = ["hardship" in r["intents"] for r in test]
    positives, negatives = max(sum(truth), 1), max(len(truth) - sum(truth), 1)

    def figures(guess: Sequence[bool]) -> dict[str, float]:
        caught = sum(g and t for g, t in zip(guess, truth, strict=True))
        false = sum(g and not t for g, t in zip(guess, truth, strict=True))
        return {"recall": round(caught / positives, 4), "false_hardship_rate": round(false / negatives, 4)}

    others = [r for r in everything if "hardship" not in r["intents"]]
    return {
        "held_out_hardship_replies": sum(truth),
        "held_out_other_replies": len(truth) - sum(truth),
        "model": figures(flags),
        "rules": figures(rules),
        "served": figures([m or r for m, r in zip(flags, rules, strict=True)]),
        "rules_false_hardship_rate_on_corpus": round(
            sum(hardship(r["text"]).found for r in others) / max(len(others), 1), 4
        ),
    }


def card_metrics(model: ReplyModel, test: Sequence[Row], everything: Sequence[Row]) -> dict[str, object]:
    """What the card records: the model alone and as served (stop and hardship rules ORed in) on
    held-out rows, the revocation and hardship rules' recall and false positives, and language
    detection on SMS-length replies."""
    stops = [r for r in test if "stop" in r["intents"]]
    others = [r for r in everything if "stop" not in r["intents"]]
    false_stops = sum(revocation(r["text"]).revoked for r in others)
    sms = [r for r in test if len(r["text"]) <= 160]
    right = sum(detect(r["text"]).language == r["language"] for r in sms)
    right_on_file = sum(detect(r["text"], on_file=r["language"]).language == r["language"] for r in sms)
    return {
        "held_out_model": intents.evaluate(model, test),
        "held_out_served": intents.evaluate(model, test, final_flags(model, test)),
        "revocation_rules": {
            "held_out_stop_replies": len(stops),
            "recall": round(sum(revocation(r["text"]).revoked for r in stops) / max(len(stops), 1), 4),
            "non_stop_replies": len(others),
            "false_stop_rate": round(false_stops / max(len(others), 1), 4),
        },
        "hardship_rules": hardship_metrics(model, test, everything),
        "language_detection": {
            "sms_replies": len(sms),
            "accuracy_detected_only": round(right / max(len(sms), 1), 4),
            "accuracy_with_language_on_file": round(right_on_file / max(len(sms), 1), 4),
        },
    }


def train_reply_model(folder: Path | None = None, today: dt.date | None = None) -> ReplyModel:
    """The reply model trained on the corpus' `train` split, its card filled from the `test` split."""
    everything = load_corpus(folder=folder)
    train = [r for r in everything if r["split"] == "train"]
    test = [r for r in everything if r["split"] == "test"]
    with threadpool_limits(limits=1):
        model = intents.train(
            train, "engine/scores/data/replies/*.jsonl split=train", (today or dt.date.today()).isoformat()
        )
        metrics = card_metrics(model, test, everything)
    return replace(model, card=replace(model.card, metrics=metrics))


def save_reply_model(model: ReplyModel, folder: Path, corpus: str) -> None:
    """Save the model and its card under `folder/replies/`, then its index."""
    where = folder / SUBFOLDER
    subfolder = f"{model.card.model_id}-{model.card.version}"
    buffer = io.BytesIO()
    joblib.dump((model.vectorizer, model.intent_classifier, model.sentiment_regressor), buffer)
    data = buffer.getvalue()
    write_atomically(where / subfolder / "model.joblib", data)
    write_atomically(where / subfolder / "card.json", json.dumps(model.card.to_dict(), indent=2).encode())
    index = {
        "sklearn": sklearn.__version__,
        "corpus_sha256": corpus,
        "model": {"folder": subfolder, "sha256": hashlib.sha256(data).hexdigest()},
        "rules": rule_versions(),
    }
    write_atomically(where / INDEX, json.dumps(index, indent=2, sort_keys=True).encode())


def rule_versions() -> dict[str, str]:
    """The rule sets ORed with the model, by id and version: the card's served figures depend on them."""
    return {
        replies_revocation.RULES_ID: replies_revocation.RULES_VERSION,
        replies_hardship.RULES_ID: replies_hardship.RULES_VERSION,
    }


def read_index(folder: Path) -> dict[str, Any]:
    """The reply models' index, or a `ModelStoreError` that says what is wrong."""
    path = folder / SUBFOLDER / INDEX
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise ModelStoreError(f"no reply model in `{folder / SUBFOLDER}`: `{INDEX}` is missing") from missing
    except (OSError, ValueError) as broken:
        raise ModelStoreError(f"`{path}` cannot be read: {broken}") from broken
    if not isinstance(index, dict) or not isinstance(index.get("model"), dict):
        raise ModelStoreError(f"`{path}` does not name a model")
    return index


def load_reply_model(folder: Path) -> ReplyModel:
    """The saved reply model, after checking its file is the one the index recorded."""
    entry = read_index(folder)["model"]
    target = folder / SUBFOLDER / str(entry.get("folder", ""))
    try:
        data = (target / "model.joblib").read_bytes()
        card_fields = json.loads((target / "card.json").read_text(encoding="utf-8"))
        card = ReplyCard(**{k: tuple(v) if isinstance(v, list) else v for k, v in card_fields.items()})
    except (OSError, ValueError, TypeError) as broken:
        raise ModelStoreError(f"the reply model in `{target}` cannot be read: {broken}") from broken
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ModelStoreError(f"`{target / 'model.joblib'}` changed since it was saved; not loading it")
    vectorizer, classifier, regressor = joblib.load(io.BytesIO(data))
    return ReplyModel(vectorizer, classifier, regressor, card)


def is_current(folder: Path, corpus: str) -> bool:
    """Whether the folder's reply model was written by this scikit-learn, version, corpus and rules."""
    try:
        index = read_index(folder)
    except ModelStoreError:
        return False
    return (
        index.get("sklearn") == sklearn.__version__
        and index.get("corpus_sha256") == corpus
        and index.get("rules") == rule_versions()
        and str(index["model"].get("folder", "")).endswith(f"-{intents.MODEL_VERSION}")
    )


def default_reply_model(folder: Path | None = None) -> ReplyModel:
    """The reply model in the models folder, trained on the shipped corpus and saved first if absent or stale."""
    where = folder or models_folder()
    corpus = corpus_hash()
    if not is_current(where, corpus):
        save_reply_model(train_reply_model(), where, corpus)
    return load_reply_model(where)


def main(argv: Sequence[str]) -> int:
    """`python -m runtime.reply_models corpus`: rebuild the corpus files from the seeds."""
    if list(argv) != ["corpus"]:
        print("usage: python -m runtime.reply_models corpus", file=sys.stderr)
        return 2
    for path in write_corpus(build_corpus()):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
