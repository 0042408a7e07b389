"""The reply classifier: intents (multi-label) and sentiments of a patient's reply, with its card.

Features are TF-IDF character n-grams (2 to 5 letters, inside word boundaries, accents folded):
they survive the typos, missing accents and run-together words of SMS far better than whole words,
and the same features serve English, Spanish and the mix of both. Intents are one logistic
regression per intent (one-vs-rest, so a reply can be a hardship *and* a payment promise);
sentiments are a ridge regression per sentiment, clipped to 0..1.

The classifier never decides a stop on its own account alone: `engine.scores.service.score_reply`
ORs its `stop` with the rule layer in `engine.scores.replies`, which is what the law relies on.

Pure: rows in, a model out; `evaluate` measures a model on rows. Files and dates are the
runtime's (`runtime.reply_models`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier

from engine.scores.intents_ids import INTENT_MODEL_ID, MODEL_VERSION, SENTIMENT_MODEL_ID
from engine.scores.replies_corpus import INTENT_NAMES, LANGUAGES, SENTIMENT_NAMES

THRESHOLD = 0.5
FEATURES = ("tfidf char_wb n-grams 2..5, accents folded, lowercased, sublinear tf, min_df 2",)
DIGITS = 4


@dataclass(frozen=True)
class ReplyCard:
    """What a reply model is, what it learnt from and how well it does on the held-out replies."""

    model_id: str
    sentiment_model_id: str
    version: str
    features: tuple[str, ...]
    intents: tuple[str, ...]
    sentiments: tuple[str, ...]
    training_data: str
    training_data_hash: str
    rows: int
    threshold: float
    trained_on: str = ""
    metrics: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """The card as JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class ReplyScores:
    """One reply's intent probabilities and sentiments, each 0..1."""

    intents: dict[str, float]
    sentiments: dict[str, float]

    def flags(self, threshold: float = THRESHOLD) -> dict[str, bool]:
        """Which intents the reply shows: probability at or over the threshold."""
        return {name: p >= threshold for name, p in self.intents.items()}


@dataclass(frozen=True)
class ReplyModel:
    """A fitted vectoriser, the intent classifiers and the sentiment regressors, with their card."""

    vectorizer: TfidfVectorizer
    intent_classifier: OneVsRestClassifier
    sentiment_regressor: Ridge
    card: ReplyCard

    def score(self, texts: Sequence[str]) -> list[ReplyScores]:
        """Scores for many replies in one pass (one matrix product per model for the batch)."""
        if not texts:
            return []
        matrix = self.vectorizer.transform(list(texts))
        probabilities = self.intent_classifier.predict_proba(matrix)
        sentiments = np.clip(self.sentiment_regressor.predict(matrix), 0.0, 1.0)
        return [
            ReplyScores(
                {n: round(float(p), DIGITS) for n, p in zip(self.card.intents, probs, strict=True)},
                {n: round(float(v), DIGITS) for n, v in zip(self.card.sentiments, values, strict=True)},
            )
            for probs, values in zip(probabilities, sentiments, strict=True)
        ]


def labels(rows: Sequence[Mapping[str, object]]) -> np.ndarray:
    """The rows' intents as a 0/1 matrix, one column per intent in `INTENT_NAMES` order."""
    return np.array([[int(n in row["intents"]) for n in INTENT_NAMES] for row in rows])  # type: ignore[operator]


def sentiment_targets(rows: Sequence[Mapping[str, object]]) -> np.ndarray:
    """The rows' sentiment grades, one column per sentiment."""
    return np.array([[float(row["sentiment"][n]) for n in SENTIMENT_NAMES] for row in rows])  # type: ignore[index]


def data_hash(rows: Sequence[Mapping[str, object]]) -> str:
    """SHA-256 of the rows' text and labels in a canonical form: the card's training data hash."""
    canonical = json.dumps(
        [[r["id"], r["text"], r["language"], r["intents"], r["sentiment"]] for r in rows],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def train(
    rows: Sequence[Mapping[str, object]], training_data: str = "", trained_on: str = "", c: float = 8.0
) -> ReplyModel:
    """A model fitted on the `train` rows. Held-out rows are refused: they must stay unseen."""
    if any(r.get("split") == "test" for r in rows):
        raise ValueError("held-out rows were passed to training; pass only the `train` split")
    texts = [str(r["text"]) for r in rows]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, strip_accents="unicode"
    )
    matrix = vectorizer.fit_transform(texts)
    # Balanced weights: each intent is a minority against the rest, and a missed intent costs more
    # than a doubtful one (a person reads it next).
    classifier = OneVsRestClassifier(
        LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    )
    classifier.fit(matrix, labels(rows))
    regressor = Ridge(alpha=1.0).fit(matrix, sentiment_targets(rows))
    card = ReplyCard(
        INTENT_MODEL_ID,
        SENTIMENT_MODEL_ID,
        MODEL_VERSION,
        FEATURES,
        INTENT_NAMES,
        SENTIMENT_NAMES,
        training_data,
        data_hash(rows),
        len(rows),
        THRESHOLD,
        trained_on,
    )
    return ReplyModel(vectorizer, classifier, regressor, card)


def prf(truth: np.ndarray, guess: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 and support of one yes/no column."""
    tp = int(np.sum(truth & guess))
    fp = int(np.sum(~truth & guess))
    fn = int(np.sum(truth & ~guess))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": tp + fn}


def evaluate(
    model: ReplyModel, rows: Sequence[Mapping[str, object]], predicted: Sequence[Mapping[str, bool]] | None = None
) -> dict[str, object]:
    """Per-language, per-intent precision/recall/F1, macro F1, sentiment MAE and a confusion matrix.

    `predicted` may give the final yes/no intents (e.g. with the stop rules ORed in); by default
    the model's own thresholded probabilities are measured.
    """
    scores = model.score([str(r["text"]) for r in rows])
    flags = list(predicted) if predicted is not None else [s.flags(model.card.threshold) for s in scores]
    result: dict[str, object] = {"rows": len(rows)}
    for language in LANGUAGES:
        picked = [i for i, r in enumerate(rows) if r["language"] == language]
        if not picked:
            continue
        truth = labels([rows[i] for i in picked]).astype(bool)
        guess = np.array([[flags[i][n] for n in INTENT_NAMES] for i in picked], dtype=bool)
        per_intent = {n: prf(truth[:, k], guess[:, k]) for k, n in enumerate(INTENT_NAMES)}
        real = sentiment_targets([rows[i] for i in picked])
        found = np.array([[scores[i].sentiments[n] for n in SENTIMENT_NAMES] for i in picked])
        result[language] = {
            "intents": per_intent,
            "macro_f1": round(float(np.mean([m["f1"] for m in per_intent.values()])), 3),
            "exact_match": round(float(np.mean(np.all(truth == guess, axis=1))), 3),
            "sentiment_mae": {
                n: round(float(np.mean(np.abs(real[:, k] - found[:, k]))), 3) for k, n in enumerate(SENTIMENT_NAMES)
            },
            "confusion": confusion([rows[i] for i in picked], [scores[i] for i in picked], [flags[i] for i in picked]),
        }
    result["confusion"] = confusion(rows, scores, flags)
    return result


def confusion(
    rows: Sequence[Mapping[str, object]], scores: Sequence[ReplyScores], flags: Sequence[Mapping[str, bool]]
) -> dict[str, dict[str, int]]:
    """For replies with one intent (or none): true intent → most likely predicted intent, counted.

    The prediction is `none` when no intent passes the threshold. Multi-intent replies are left
    out: a matrix has one true class per row.
    """
    classes = (*INTENT_NAMES, "none")
    matrix = {t: dict.fromkeys(classes, 0) for t in classes}
    for row, score, flag in zip(rows, scores, flags, strict=True):
        intents = list(row["intents"])  # type: ignore[call-overload]
        if len(intents) > 1:
            continue
        truth = intents[0] if intents else "none"
        shown = [n for n in INTENT_NAMES if flag[n]]
        guess = max(shown, key=lambda n: score.intents[n]) if shown else "none"
        matrix[truth][guess] += 1
    return matrix
