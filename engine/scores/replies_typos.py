"""SMS text made comparable: case, accents, punctuation, spelled-out letters, stretched and mistyped words.

Used by the revocation rules, which must read "S.T.O.P", "stooop", "st0p", "stpo" and "unsubcribe"
as the words they are. A key word is repaired only from one slip of the thumb (a letter swapped
with its neighbour, doubled, dropped or added; a wrong letter only in words of six letters or
more), and never from a real word that merely looks close ("cancer" is not "cancel", "quite" is
not "quit", "step" is not "stop"). Pure functions; the neighbourhoods are built once at import.
"""

from __future__ import annotations

import functools
import re
import unicodedata


def word_set(text: str) -> frozenset[str]:
    """The words of a space-separated list, as a set (long lists read better as prose)."""
    return frozenset(text.split())


# Words the rules look for that people mistype. Short ones are few on purpose.
KEY_WORDS = word_set(
    "stop quit revoke cancel unsubscribe texting texts calling calls contact contacting contacted message "
    "messages messaging please alone number remove delete anymore consent harassing bothering "
    "llamar llamen llamarme llamadas llamando escriban escribir escribirme mensajes mensaje manden mandar "
    "mandarme contacten contactar contactarme molesten molestar dejen dejenme basta cancelar detener "
    "quitenme consentimiento textos text revoco saquenme sacame borrenme borren paren parenle longer receive "
    "gracias thanks saludos favor porfavor bendiciones quiero vuelvan nunca never"
)
# Real words one slip away from a key word: never "repaired" into it.
REAL_WORDS = word_set(
    "cancer cancels canceled cancelled step shop stomp stoop atop slop stops stopped top quite quiet suit "
    "falling telling selling filling calmer called caller recalling numbers along "
    "llama llamo llame llamas llamada llamaba mandan mando mande escribe escribo dejan deje dejo "
    "contacts contract contracts massage messy pleased plea bastante detenerse tests"
)
SHORT_KEY_TYPOS = {
    "stp": "stop",
    "sotp": "stop",
    "stpo": "stop",
    "tsop": "stop",
    "sstop": "stop",
    "stopp": "stop",
    "sop": "stop",
    "sto": "stop",
    "stoo": "stop",
    "sstp": "stop",
}


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes gone, punctuation to spaces, spelled-out letters joined."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’`´]", "", plain)
    plain = re.sub(r"(?<=[a-z])0|0(?=[a-z])", "o", plain)  # st0p, 0pt 0ut
    plain = re.sub(r"[^a-z0-9 ]+", " ", plain)
    words = plain.split()
    return " ".join(join_spelled(words))


def join_spelled(words: list[str]) -> list[str]:
    """`s t o p` → `stop`: three or more one-letter words in a row are one spelled-out word."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            out.append(word)
    return out


def deletions(word: str) -> set[str]:
    """The word with any one letter removed."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


NEIGHBOURS: dict[str, set[str]] = {}
for _key in KEY_WORDS:
    for _variant in (_key, *deletions(_key)):
        NEIGHBOURS.setdefault(_variant, set()).add(_key)


def one_slip(word: str, key: str) -> bool:
    """Whether `word` is `key` with one swap, double, drop or addition (or one wrong letter if long)."""
    if len(word) == len(key):
        diffs = [i for i, (a, b) in enumerate(zip(word, key, strict=True)) if a != b]
        swapped = len(diffs) == 2 and diffs[1] == diffs[0] + 1 and word[diffs[0]] == key[diffs[1]]
        return swapped or (len(diffs) == 1 and len(key) >= 6)
    shorter, longer = sorted((word, key), key=len)
    return len(longer) - len(shorter) == 1 and shorter in deletions(longer)


@functools.lru_cache(maxsize=1 << 16)  # a pure function of one word; SMS words repeat a lot
def fix_word(word: str) -> str:
    """The key word a token was meant to be, or the token itself."""
    if word in SHORT_KEY_TYPOS:
        return SHORT_KEY_TYPOS[word]
    if len(word) < 4 or word in KEY_WORDS or word in REAL_WORDS:
        return word
    candidates: set[str] = set()
    for variant in (word, *deletions(word)):
        candidates |= NEIGHBOURS.get(variant, set())
    # a four-letter token is only read as a longer key word ("tets" → "texts"), never as another
    # four-letter one; when two key words fit ("messagse": message, messages) either will do
    matches = sorted(k for k in candidates if one_slip(word, k) and (len(word) >= 5 or len(k) >= 5))
    return matches[0] if matches else word


def repair(plain: str) -> tuple[str, ...]:
    """The normalised text, and (when different) the same with stretched and mistyped words fixed."""
    squeezed = re.sub(r"([a-z])\1{2,}", r"\1", plain)  # stooop → stop, nooo → no
    fixed = " ".join(fix_word(w) for w in squeezed.split())
    return (plain,) if fixed == plain else (plain, fixed)
