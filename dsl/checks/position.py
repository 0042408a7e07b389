"""Which messages can be an agency's first communication, and which a later one.

One answer for every check that asks (the mini-Miranda in `content.py`, the validation notice's
deadline in `obligation.py`), so the two can never disagree about where a first communication is.

A step's message can come first when no other step's message surely comes before it: a guarded
earlier step may be skipped, so a later one may come first. A handler answers an event; whether
its message can come first depends on the event:
- `reply`: the patient writes back to something the strategy sent, so a message came before;
- `conversation`: a telephone conversation is itself a communication (12 CFR 1006.2(d)), so it
  can be the first one, on any day, and the handler's own message follows it;
- every other event (`payment`, `statement`, `dispute`, `plan_accepted`, `missed_payment`) can
  happen before the strategy sends anything, so the handler's message can be the first one.
Handlers fire on a day no one knows in advance, so the first communication they open is placed on
the earliest day their message can go out (day 0 for a conversation): the worst case for a deadline.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks.acts import Act, is_contact
from dsl.checks.context import CheckContext
from dsl.checks.forbid_action import always_with

# Events that answer a message the strategy sent before: the handler's message is never the first.
FOLLOWS_A_MESSAGE = frozenset({"reply"})
# Events that are themselves a communication with the patient: the first one may be the event.
ARE_COMMUNICATIONS = frozenset({"conversation"})


def contacts_of(all_acts: list[Act]) -> list[Act]:
    """The actions that reach the patient (messages and calls), in strategy order."""
    return [a for a in all_acts if is_contact(a)]


def can_be_first(ctx: CheckContext, act: Act, contacts: list[Act]) -> bool:
    """Whether `act`'s own message can be the first communication an account receives."""
    if isinstance(act.owner, ast.Handler):
        event_word = act.owner.event.name
        return event_word not in FOLLOWS_A_MESSAGE and event_word not in ARE_COMMUNICATIONS
    for other in contacts:
        if other is act or not isinstance(other.owner, ast.Step):
            continue  # a handler may never fire, so it never surely comes before
        before = (other.last_day is not None and other.last_day < act.first_day) or (
            other.owner is act.owner and contacts.index(other) < contacts.index(act)
        )
        if before and always_with(ctx, act, other):
            return False
    return True


def can_be_later(act: Act, contacts: list[Act]) -> bool:
    """Whether some other communication can come before `act`, or it repeats."""
    if act.last_day is None or act.last_day > act.first_day:
        return True  # a handler fires after its event; a repeating step repeats
    for other in contacts:
        if other is act:
            continue
        if other.last_day is None or other.first_day < act.first_day:
            return True
        if other.first_day == act.first_day and contacts.index(other) < contacts.index(act):
            return True
    return False


def opening_day(ctx: CheckContext, act: Act, contacts: list[Act]) -> int | None:
    """The earliest day a first communication can happen at `act`, or None when it never opens one.

    A conversation handler's message follows a conversation that may itself be the first
    communication, on any day: day 0, the worst case.
    """
    if isinstance(act.owner, ast.Handler) and act.owner.event.name in ARE_COMMUNICATIONS:
        return 0
    return act.first_day if can_be_first(ctx, act, contacts) else None


def first_communications(ctx: CheckContext, all_acts: list[Act]) -> list[tuple[Act, int]]:
    """Every action that can open the account's first communication, with its earliest day, soonest first."""
    contacts = contacts_of(all_acts)
    # A step message with no guard comes whenever its step runs: nothing later than it can be first.
    certain = [a.last_day for a in contacts if isinstance(a.owner, ast.Step) and not a.conditions]
    latest = min((d for d in certain if d is not None), default=None)
    found: list[tuple[Act, int]] = []
    for act in contacts:
        if isinstance(act.owner, ast.Step) and latest is not None and act.first_day > latest:
            continue  # quick and certain: that unguarded message surely came before
        day = opening_day(ctx, act, contacts)
        if day is not None:
            found.append((act, day))
    return sorted(found, key=lambda pair: pair[1])
