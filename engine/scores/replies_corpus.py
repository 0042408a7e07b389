"""The reply corpus: hand-written seed replies, varied the way patients really type, split for good.

The corpus is the project's own, invented from scratch (no real patient wrote a word of it). Seed
files (`engine/scores/data/replies/seeds/{en,es}.txt`) hold a few dozen hand-written replies per
intent per language, each with three sentiment grades. `build` turns them into rows:

- every seed once as written, plus two variants with what SMS does to text: lower case, dropped
  accents and apostrophes, typos (swapped, doubled or dropped letters), abbreviations ("u", "pls",
  "porfa", "xq"), greetings and sign-offs, shouting, a word of the other language;
- replies that join two seeds of different intents ("lost my job, can I pay 20 on friday"), which
  carry both labels.

The split is fixed per **seed**, by a hash of its text, and variants and joins stay inside their
seed's split: the held-out set is made of phrasings the classifier never saw in any form, so it
cannot pass by recognising a training sentence under a typo. Pure: text in, rows out.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dsl import schema

# The language's schema lists the intents and sentiments a strategy may read; the corpus labels
# exactly those, in the schema's order (the classifier's columns).
INTENT_NAMES = tuple(f.name.removeprefix("intent.") for f in schema.INTENTS)
SENTIMENT_NAMES = tuple(f.name.removeprefix("sentiment.") for f in schema.SCORES if f.group == "sentiment")
LANGUAGES = ("en", "es")
TEST_SHARE = 4  # one seed in four (by hash) is held out
BUILD_SEED = 20260101
# Intents that plausibly come together in one reply; joins only pair these.
PAIRS = (
    ("hardship", "payment_promise"),
    ("hardship", "callback_request"),
    ("hardship", "billing_confusion"),
    ("hardship", "stop"),
    ("billing_confusion", "insurance_question"),
    ("billing_confusion", "callback_request"),
    ("billing_confusion", "payment_promise"),
    ("dispute", "stop"),
    ("dispute", "insurance_question"),
    ("dispute", "callback_request"),
    ("wrong_person", "stop"),
    ("insurance_question", "callback_request"),
    ("insurance_question", "payment_promise"),
)
ABBREVIATIONS = {
    "en": {
        "you": "u",
        "your": "ur",
        "are": "r",
        "please": "pls",
        "because": "bc",
        "tomorrow": "tmrw",
        "thanks": "thx",
        "right now": "rn",
        "going to": "gonna",
        "don't": "dont",
        "can't": "cant",
        "I'm": "im",
        "about": "abt",
        "with": "w",
    },
    "es": {
        "por favor": "porfa",
        "que": "q",
        "porque": "xq",
        "por qué": "xq",
        "también": "tmb",
        "está": "ta",
        "mensajes": "msjs",
        "gracias": "grax",
        "dólares": "dlls",
    },
}
GREETINGS = {
    "en": ("hi", "hello,", "Hi this is Ana.", "good morning,", "hey", "Hello, this is Mr. Lee"),
    "es": ("hola", "buenas tardes,", "buen día.", "hola, habla Rosa", "buenas", "Sra. buenos días"),
}
SIGN_OFFS = {
    "en": ("thanks", "thank you", "ty", "- R", "thx", "God bless"),
    "es": ("gracias", "saludos", "bendiciones", "muchas gracias", "gracias, Lupe", "dios le bendiga"),
}
# A word of the other language, the way bilingual patients write.
CODE_SWITCH = {
    "en": ("ok gracias", "pero", "sorry, mi inglés", "mija"),
    "es": ("ok", "sorry", "please", "thank you", "bye"),
}
JOINERS = {"en": (". ", ", ", " and ", ". also ", "... "), "es": (". ", ", ", " y ", ". además ", " pero ")}


@dataclass(frozen=True)
class Seed:
    """One hand-written reply: its intents, its sentiment grades (0..1) and its fixed split."""

    text: str
    language: str
    intents: tuple[str, ...]
    sentiment: tuple[float, float, float]
    split: str
    number: int


def split_of(language: str, text: str) -> str:
    """`test` for one seed in `TEST_SHARE`, chosen by a hash of its text; `train` otherwise."""
    digest = hashlib.sha256(f"{language}|{text}".encode()).digest()
    return "test" if digest[0] % TEST_SHARE == 0 else "train"


def parse_seeds(text: str, language: str) -> list[Seed]:
    """The seeds of one file: `## INTENT` sections of `FCA [+OTHER ...] reply` lines."""
    seeds: list[Seed] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        grades, _, rest = line.partition(" ")
        extra = []
        while rest.startswith("+"):
            word, _, rest = rest.partition(" ")
            extra.append(word[1:])
        intents = tuple(i for i in (section, *extra) if i in INTENT_NAMES)
        sentiment = tuple(int(g) / 3 for g in grades)
        seeds.append(Seed(rest, language, intents, sentiment, split_of(language, rest), len(seeds)))  # type: ignore[arg-type]
    return seeds


def strip_accents(text: str) -> str:
    """The text without accents (ñ becomes n, as on phones without a Spanish keyboard)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def typo(text: str, rng: random.Random) -> str:
    """One slip of the thumb in one word of four letters or more: a swap, a double or a drop."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "double", "drop"))
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def abbreviate(text: str, language: str) -> str:
    """Common SMS shortenings of whole words."""
    for long, short in ABBREVIATIONS[language].items():
        text = re.sub(rf"(?<!\w){re.escape(long)}(?!\w)", short, text, flags=re.IGNORECASE)
    return text


def vary(seed: Seed, rng: random.Random) -> tuple[str, tuple[float, float, float]]:
    """A variant of a seed with two to four SMS habits applied, and its adjusted sentiment."""
    text = seed.text
    frustration, confusion, anxiety = seed.sentiment
    habits = rng.sample(["lower", "accents", "typo", "abbrev", "greet", "sign", "switch", "punct", "shout"], 3)
    if "shout" in habits and rng.random() < 0.5:  # shouting is common, but not in one variant of three
        habits.remove("shout")
    for habit in habits:
        if habit == "lower":
            text = text.lower()
        elif habit == "accents":
            text = strip_accents(text).replace("'", "")
        elif habit == "typo":
            text = typo(text, rng)
        elif habit == "abbrev":
            text = abbreviate(text, seed.language)
        elif habit == "greet":
            text = f"{rng.choice(GREETINGS[seed.language])} {text}"
        elif habit == "sign":
            text = f"{text.rstrip('.')} {rng.choice(SIGN_OFFS[seed.language])}"
        elif habit == "switch":
            text = f"{rng.choice(CODE_SWITCH[seed.language])} {text}"
        elif habit == "punct":
            ending = rng.choice(("!!", "??", "...", "", "!!!"))
            text = text.rstrip(".!?") + ending
            frustration += 1 / 6 if "!" in ending else 0
            confusion += 1 / 6 if "?" in ending else 0
        elif habit == "shout" and len(text) < 90:
            text = text.upper()
            frustration += 1 / 3
    return text, (min(frustration, 1.0), min(confusion, 1.0), min(anxiety, 1.0))


def row(
    text: str, language: str, intents: Iterable[str], sentiment: tuple[float, ...], split: str, kind: str, key: str
) -> dict[str, object]:
    """One corpus row as it is written to the JSON Lines files."""
    return {
        "id": key,
        "text": text,
        "language": language,
        "intents": sorted(set(intents)),
        "sentiment": {n: round(v, 3) for n, v in zip(SENTIMENT_NAMES, sentiment, strict=True)},
        "split": split,
        "kind": kind,
    }


def joined(first: Seed, second: Seed, rng: random.Random) -> str:
    """Two seeds as one reply, the second lower-cased the way a run-on text is."""
    joiner = rng.choice(JOINERS[first.language])
    lower_next = second.text[1:2].islower() and second.text[:2] != "I "
    tail = second.text[0].lower() + second.text[1:] if lower_next else second.text
    return first.text.rstrip(".") + joiner + tail


def build(
    seeds: list[Seed], variants: int = 2, joins_per_pair: int = 8, seed: int = BUILD_SEED
) -> list[dict[str, object]]:
    """Every seed as written, `variants` varied copies of each, and joined two-intent replies."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for s in seeds:
        key = f"{s.language}-{s.number:03d}"
        rows.append(row(s.text, s.language, s.intents, s.sentiment, s.split, "seed", key))
        for n in range(variants):
            text, sentiment = vary(s, rng)
            rows.append(row(text, s.language, s.intents, sentiment, s.split, "variant", f"{key}-v{n + 1}"))
    for language in sorted({s.language for s in seeds}):
        for split in ("train", "test"):
            pool = [s for s in seeds if s.language == language and s.split == split]
            rows.extend(join_rows(pool, language, split, joins_per_pair, rng))
    return rows


def join_rows(
    pool: list[Seed], language: str, split: str, per_pair: int, rng: random.Random
) -> list[dict[str, object]]:
    """Two-intent replies from seeds of one language and split; half of them varied."""
    rows = []
    for a, b in PAIRS:
        firsts = [s for s in pool if s.intents == (a,)]
        seconds = [s for s in pool if s.intents == (b,)]
        count = per_pair if split == "train" else max(2, per_pair // 3)
        for n in range(min(count, len(firsts), len(seconds))):
            one, two = rng.choice(firsts), rng.choice(seconds)
            if rng.random() < 0.5:
                one, two = two, one
            text = joined(one, two, rng)
            grades = tuple(max(x, y) for x, y in zip(one.sentiment, two.sentiment, strict=True))
            mixed = Seed(text, language, (a, b), grades, split, 0)  # type: ignore[arg-type]
            if rng.random() < 0.5:
                text, grades = vary(mixed, rng)
            key = f"{language}-join-{split}-{a}-{b}-{n + 1}"
            rows.append(row(text, language, (a, b), grades, split, "join", key))
    return rows
