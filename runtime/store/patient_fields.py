"""A patient's HIPAA preferences, contact points and designations, checked key by key before they are stored.

The guard's case reader (`engine.guard.parse`) reads the keys it knows and skips the rest, so a
misspelt preference (`channel` for `channels`) used to be stored and never read: the patient who
asked for letters only still got texts (45 CFR 164.522(b)). Here every key inside these objects
is one we know, with a "did you mean" hint when it is not, and every value has the type its
readers expect, so what the API accepts is what the guard and the senders read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsl.schema import FACTS, suggest
from engine.guard.case import CONTACT_CHANNELS
from runtime.store.problems import conflict, invalid

CONFIDENTIAL_KEYS = frozenset({"channels", "to"})
# What a contact point may hold: the guard's fields and the senders' address fields
# (`engine.recipients.VALUE_KEYS`).
CONTACT_POINT_KEYS = frozenset(
    {"id", "kind", "place", "employer_provided", "belongs_to_patient", "number", "phone", "email", "address", "lines"}
    | {"value"}
)
POINT_TEXT_KEYS = ("number", "phone", "email", "value")  # one number or address, as text
POINT_LINES_KEYS = ("address", "lines")  # a postal address: text, or its lines
INTENTS = frozenset(name.removeprefix("intent.") for name in FACTS if name.startswith("intent."))


def confidential_communication(value: Any) -> dict[str, Any]:
    """`{"channels": ["letter"], "to": ["post"]}`: only these channels, only these contact points."""
    field = "confidential_communication"
    prefs = known_keys(value, CONFIDENTIAL_KEYS, field)
    for index, channel in enumerate(text_list(prefs, "channels", field)):
        if channel not in CONTACT_CHANNELS:
            near = suggest(channel, CONTACT_CHANNELS)
            hint = f"did you mean `{near}`?" if near else "expected one of " + ", ".join(CONTACT_CHANNELS)
            raise invalid(f"{field}.channels[{index}]", f"`{channel}` is not a channel; {hint}")
    text_list(prefs, "to", field)  # contact point ids: the guard's reader checks that each exists
    return prefs


def contact_points(value: list[Any]) -> list[dict[str, Any]]:
    """The patient's numbers and addresses, each with only the keys its readers know."""
    points = []
    for index, item in enumerate(value):
        field = f"contact_points[{index}]"
        point = known_keys(item, CONTACT_POINT_KEYS, field)
        for key in POINT_TEXT_KEYS:
            if key in point and not nonempty_text(point[key]):
                raise invalid(f"{field}.{key}", 'expected text, such as `"+13125550100"`')
        for key in POINT_LINES_KEYS:
            lines = point.get(key)
            if key in point and not (
                nonempty_text(lines) or (isinstance(lines, list) and lines and all(map(nonempty_text, lines)))
            ):
                raise invalid(f"{field}.{key}", "expected text, or a list of the address's lines as text")
        points.append(point)
    return points


def designated_intents(designations: Mapping[str, Any]) -> None:
    """`designations.intents`: the intents the patient's replies were read as, by their names."""
    for index, intent in enumerate(text_list(designations, "intents", "designations")):
        if intent not in INTENTS:
            near = suggest(intent, INTENTS)
            hint = f"did you mean `{near}`?" if near else "expected one of " + ", ".join(sorted(INTENTS))
            raise invalid(f"designations.intents[{index}]", f"`{intent}` is not an intent; {hint}")


def known_keys(value: Any, known: frozenset[str], field: str) -> dict[str, Any]:
    """An object whose keys are all known; an unknown one is named, with the nearest known key."""
    if not isinstance(value, Mapping):
        raise invalid(field, "expected an object `{…}`")
    for key in value:
        if key not in known:
            near = suggest(str(key), known)
            hint = f"did you mean `{near}`?" if near else "expected " + " or ".join(f"`{k}`" for k in sorted(known))
            raise invalid(f"{field}.{key}", f"unknown field; {hint}")
    return dict(value)


def text_list(data: Mapping[str, Any], key: str, field: str) -> list[str]:
    """`data[key]` as a list of non-empty texts (absent: empty), else a 422 naming the item."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise invalid(f"{field}.{key}", "expected a list `[…]`")
    for index, item in enumerate(value):
        if not nonempty_text(item):
            raise invalid(f"{field}.{key}[{index}]", "expected text")
    return list(value)


def nonempty_text(value: Any) -> bool:
    """Whether `value` is text with something in it."""
    return isinstance(value, str) and bool(value.strip())


# ---------------------------------------------------------------- what a re-send leaves out

# The patient's own statements: a HIPAA confidential-communication request (45 CFR 164.522(b)), the
# times and places she said are inconvenient and her consents (`designations`; 12 CFR 1006.6(b)(1)),
# the other zones she may be in. A billing system's usual body knows nothing of them, so a re-send
# that leaves one out keeps it; only an explicit value (`{}`, `[]`) replaces it.
KEPT_WHEN_LEFT_OUT = ("confidential_communication", "designations", "extra_timezones")


def kept_statements(existing: Any, data: Mapping[str, Any], points: list[dict[str, Any]]) -> list[str]:
    """The stored statements (`KEPT_WHEN_LEFT_OUT`, by name) the re-send `data` leaves out, kept as
    they are; a 409 when a kept HIPAA request names a contact point the re-sent `points` drop (the
    patient's new address must not wait on a field the billing system never sent)."""
    if existing is None:
        return []
    stored = {
        "confidential_communication": existing.confidential_prefs,
        "designations": existing.designations,
        "extra_timezones": existing.extra_timezones,
    }
    kept = [name for name in KEPT_WHEN_LEFT_OUT if name not in data and stored[name]]
    ids = {str(p.get("id")) for p in points}
    missing = [str(t) for t in stored["confidential_communication"].get("to", []) if str(t) not in ids]
    if "confidential_communication" in kept and missing:
        names = ", ".join(f"`{m}`" for m in missing)
        raise conflict(
            f"the patient's HIPAA request names {names}, which this body drops: send"
            " `confidential_communication` with the points the patient asked for now",
            "confidential_communication",
        )
    return kept
