"""A patient's language as Parley keeps it: the lower-case primary subtag of a BCP 47 tag (`es-MX` → `es`).

Templates are written per language (`templates/NAME/es.j2`), the strategies' `languages` and
conditions name plain codes (`languages en, es`, `patient.language == "es"`), and a patient's
record arrives as whatever the practice-management system holds: `es-MX`, `ES`, `pt_BR`. Stored
as sent, `es-MX` matched no template and the patient got English. So the patient upsert keeps
the primary language alone, and an unknown code (`xx-garbage`) is refused by name rather than
stored to fail silently later. Babel (already a dependency, for dates and numbers) knows which
languages exist (CLDR); a region or script it also knows is accepted and dropped.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from runtime.store.problems import invalid

UNDETERMINED = "und"  # BCP 47's "no language": CLDR would read it as English, which it is not


def parsed_language(text: str) -> str | None:
    """The primary language of a tag such as `es-MX`, `ES` or `pt_BR`, or None when CLDR does not know it."""
    tag = text.strip().replace("_", "-")
    if not tag or tag.split("-")[0].lower() == UNDETERMINED:
        return None
    try:
        return Locale.parse(tag, sep="-").language.lower()
    except (ValueError, TypeError, UnknownLocaleError):
        return None


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
