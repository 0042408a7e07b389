"""Facts as the stores keep them: checked against the language's schema and stored as JSON.

One reader for every way a fact comes in (an account's `facts`, an event's `facts`), so a fact
means the same wherever it was sent: the portfolio reader's own typing (`runtime.portfolio.read_fact`)
plus the checks that typing alone does not make (a jurisdiction must be a real place, because a
misspelt one silently drops the state's law). `event_facts` adds what only an event needs: the
reply classifier's reading (`intent.*`, `sentiment.*`) is Parley's own, and no caller may set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsl.schema import FACTS, Kind, suggest
from dsl.vocabulary import jurisdiction_problem
from runtime.portfolio import BadCell, read_fact
from runtime.store.problems import invalid

# Facts read from a reply's text when the reply is stored (`runtime.store.events.with_reading`):
# a caller who could set them could switch off the hardship hand-off or the STOP handler.
READING_GROUPS = ("intent.", "sentiment.")


def stored_facts(facts: Mapping[str, Any], prefix: str = "facts.") -> dict[str, Any]:
    """Facts checked against the schema and kept as JSON (money as decimal text, times as `14:30`).

    A value of null means unknown and is left out; a bad one is a 422 naming `{prefix}{name}`.
    """
    stored: dict[str, Any] = {}
    for name, value in facts.items():
        field = f"{prefix}{name}"
        if name not in FACTS:
            near = suggest(str(name), FACTS)
            raise invalid(field, "not a fact of the language" + (f"; did you mean `{near}`?" if near else ""))
        if value is None:
            continue  # unknown
        if isinstance(value, Mapping | list):
            raise invalid(field, "expected a single value, not an object or a list")
        try:
            typed = read_fact(name, value)
        except BadCell as bad:
            raise invalid(field, bad.message) from None
        if FACTS[name].kind is Kind.JURISDICTION:
            check_jurisdiction(typed, field)
        stored[name] = json_fact(name, typed)
    return stored


def event_facts(facts: Any) -> dict[str, Any]:
    """An event's `facts`, checked like an account's; the reply's reading may not be among them."""
    if not isinstance(facts, Mapping):
        raise invalid("facts", "expected an object `{…}`")
    for name in facts:
        if str(name).startswith(READING_GROUPS):
            raise invalid(
                f"facts.{name}",
                "a reply's intents and sentiments are read by Parley from its text and cannot be sent;"
                " send the reply's `text` instead",
            )
    return stored_facts(facts)


def check_jurisdiction(value: object, field: str) -> None:
    """A jurisdiction code the packs know (`US`, `US-CA`, `US-NY-NYC`), else a 422 naming the field."""
    problem = jurisdiction_problem(str(value))
    if problem is not None:
        raise invalid(field, f"{problem}; write a code such as `US-CA`")


def json_fact(name: str, value: object) -> object:
    """A typed fact as JSON that `read_fact` reads back to the same value."""
    if FACTS[name].kind is Kind.CLOCK and isinstance(value, int):
        return f"{value // 60:02d}:{value % 60:02d}"
    if isinstance(value, bool | int | str):
        return value
    return str(value)
