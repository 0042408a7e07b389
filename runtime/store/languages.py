"""A patient's language as Parley keeps it: the lower-case primary subtag of a BCP 47 tag (`es-MX` → `es`).

Templates are written per language (`templates/NAME/es.j2`), the strategies' `languages` and
conditions name plain codes (`languages en, es`, `patient.language == "es"`), and a patient's
record arrives as whatever the practice-management system holds: `es-MX`, `ES`, `pt_BR`. Stored
as sent, `es-MX` matched no template and the patient got English. So the patient upsert keeps
the primary language alone, and an unknown code (`xx-garbage`) is refused by name rather than
stored to fail silently later.

A code is known when CLDR names the language (Babel, already a dependency, carries the names of
some 670 languages: Hmong `hmn`, Chuukese `chk` and Marshallese `mh` among them, though CLDR has no
locale data for them). The code is kept as sent, lower-cased, never canonicalised (`tl` stays
`tl`, not `fil`), so it matches the template a provider named after it.
"""

from __future__ import annotations

import re

from babel import Locale

from runtime.store.problems import invalid

UNDETERMINED = "und"  # BCP 47's "no language"
# Not a language a patient reads: no linguistic content, several languages.
KNOWN = frozenset(Locale("en").languages) - {UNDETERMINED, "zxx", "mul"}
# Deprecated ISO 639 codes still sent by older systems (Java's Locale gave `iw`, `in`, `ji` until JDK 17).
DEPRECATED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
SUBTAG = re.compile(r"[A-Za-z0-9]{1,8}")


def parsed_language(text: str) -> str | None:
    """The primary language of a well-formed tag such as `es-MX`, `ES` or `pt_BR`, or None when the tag
    is malformed or CLDR names no such language."""
    parts = text.strip().replace("_", "-").split("-")
    if not all(SUBTAG.fullmatch(part) for part in parts):
        return None
    primary = DEPRECATED.get(parts[0].lower(), parts[0].lower())
    return primary if primary in KNOWN else None


def language_code(value: str | None, field: str = "language") -> str | None:
    """The code to store for a patient's language (None stays None); a 422 naming `field` when unknown."""
    if value is None or not value.strip():
        return None
    code = parsed_language(value)
    if code is None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise invalid(field, f"`{shown}` is not a language code; send one such as `en`, `es` or `es-MX`")
    return code


def primary_language(value: str) -> str:
    """The code to look templates up by, never refusing: for codes stored before they were normalised."""
    return parsed_language(value) or value.strip().split("-")[0].split("_")[0].lower()
