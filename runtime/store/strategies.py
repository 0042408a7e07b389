"""Strategy versions: stored with their content hash, submitted, approved by a second person, deployed.

The life of a version: `draft` → `submitted` (its text checks without errors) → `approved` (by a
compliance officer who is neither its author nor its submitter: four eyes) → `deployed`; a version
rolled back becomes `retired` and may be deployed again, since it was approved once.

Four eyes compares people, not key names (a name is free text): the approver's key must not
speak for the same person as the author's or the submitter's key, by the lineage rule of
`runtime.store.keys` (a key cannot approve what a key it minted, or the key that minted it, or
another key of the same person wrote). Versions stored before keys had lineage have no author
key; for them only the names are compared.

The name and version of a stored text are the ones it declares (`strategy "NAME" version N`), so
every decision's recorded strategy hash and version name exactly one stored text. A version
number names one text: storing other content under a version already stored is refused.

The `deployments` table is a log; replaying it the way `engine.deploy` builds a plan book (deploy
pushes a version, or moves it back on top; rollback pops the live one) gives the live version of
each strategy. A rollback row names the version that is live after it.

The functions raise `StrategyProblem` (a `StoreProblem`: status, message, field); callers turn it
into a response.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from runtime.db.tables import Deployment, StrategyVersion
from runtime.store.keys import speak_for_one_person
from runtime.store.problems import StoreProblem

DEPLOYABLE = ("approved", "deployed", "retired")


class StrategyProblem(StoreProblem):
    """A request the stored strategies refuse (a `StoreProblem`: status, message, field)."""


@dataclass(frozen=True)
class Summary:
    """One strategy: how many versions, the newest, and the live one (None: not deployed)."""

    name: str
    versions: int
    latest: int
    live: int | None


def create_version(
    session: Session,
    name: str,
    version: int,
    text: str,
    content_hash: str,
    author: str,
    now: dt.datetime,
    *,
    author_key: str | None = None,
) -> tuple[StrategyVersion, bool]:
    """Store a draft; the same text again returns the stored row (created False).

    `author_key` is the id of the key the author called with (what four eyes compares).
    """
    existing = find(session, name, version)
    if existing is not None:
        if existing.content_hash == content_hash:
            return existing, False
        raise StrategyProblem(
            409,
            f"version {version} of `{name}` is already stored with other content; raise its version",
            "text",
        )
    row = StrategyVersion(
        name=name,
        version=version,
        content=text,
        content_hash=content_hash,
        author=author,
        author_key=author_key,
        status="draft",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, True


def find(session: Session, name: str, version: int) -> StrategyVersion | None:
    """A stored version, or None."""
    query = select(StrategyVersion).where(StrategyVersion.name == name, StrategyVersion.version == version)
    return session.exec(query).first()


def get(session: Session, name: str, version: int, *, for_update: bool = False) -> StrategyVersion:
    """A stored version; a 404 problem when there is none."""
    query = select(StrategyVersion).where(StrategyVersion.name == name, StrategyVersion.version == version)
    if for_update:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        known = known_names(session)
        if name not in known:
            raise StrategyProblem(404, f"no strategy `{name}`", "name")
        raise StrategyProblem(404, f"strategy `{name}` has no version {version}", "version")
    return row


def known_names(session: Session) -> set[str]:
    """Every strategy name stored."""
    return set(session.exec(select(StrategyVersion.name).distinct()))


def versions(session: Session, name: str) -> list[StrategyVersion]:
    """Every version of a strategy, oldest first; a 404 problem for an unknown name."""
    query = select(StrategyVersion).where(StrategyVersion.name == name).order_by(col(StrategyVersion.version))
    rows = list(session.exec(query))
    if not rows:
        raise StrategyProblem(404, f"no strategy `{name}`", "name")
    return rows


def summaries(session: Session) -> list[Summary]:
    """Every strategy by name, with its newest and live versions."""
    rows = list(session.exec(select(StrategyVersion).order_by(col(StrategyVersion.name), col(StrategyVersion.version))))
    live = live_versions(session)
    by_name: dict[str, list[StrategyVersion]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    return [Summary(name, len(items), items[-1].version, live.get(name)) for name, items in sorted(by_name.items())]


def diff(session: Session, name: str, old: int, new: int) -> str:
    """A unified diff between two versions' texts."""
    before, after = get(session, name, old), get(session, name, new)
    lines = difflib.unified_diff(
        before.content.splitlines(keepends=True),
        after.content.splitlines(keepends=True),
        fromfile=f"{name} v{old}",
        tofile=f"{name} v{new}",
    )
    return "".join(lines)


def submit(
    session: Session,
    row: StrategyVersion,
    actor: str,
    now: dt.datetime,
    errors: int,
    *,
    actor_key: str | None = None,
) -> StrategyVersion:
    """Ask for approval; a text whose check finds errors cannot be submitted (`actor_key`: the caller's key)."""
    if errors:
        raise StrategyProblem(
            422, f"the text has {errors} error(s) when checked; fix them before submitting (see POST /v1/check)", "text"
        )
    if row.status != "draft":
        raise StrategyProblem(409, f"version {row.version} of `{row.name}` is {row.status}, not a draft", "version")
    row.status, row.submitted_by, row.submitted_at = "submitted", actor, now
    row.submitted_key = actor_key
    session.add(row)
    session.flush()
    return row


def approve(
    session: Session, row: StrategyVersion, actor: str, now: dt.datetime, *, actor_key: str | None = None
) -> StrategyVersion:
    """Approve a submitted version: the approver must be a second person (not author, not submitter).

    A second person is another name and, when the keys are known, a key of another lineage
    (`runtime.store.keys.speak_for_one_person`): a 409 names the key the approver's is tied to.
    """
    if row.status != "submitted":
        raise StrategyProblem(
            409,
            f"version {row.version} of `{row.name}` is {row.status}; only a submitted version can be approved",
            "version",
        )
    if actor in (row.author, row.submitted_by):
        raise StrategyProblem(
            403,
            f"`{actor}` wrote or submitted this version; a second compliance officer must approve it (four eyes)",
        )
    check_lineage(session, row, actor_key)
    row.status, row.approved_by, row.approved_at = "approved", actor, now
    session.add(row)
    session.flush()
    return row


def check_lineage(session: Session, row: StrategyVersion, approver_key: str | None) -> None:
    """Refuse (409) an approver whose key speaks for the same person as the author's or submitter's."""
    if approver_key is None:
        return
    for role, key in (("wrote", row.author_key), ("submitted", row.submitted_key)):
        if key is not None and speak_for_one_person(session, approver_key, key):
            raise StrategyProblem(
                409,
                f"the approving key `{approver_key}` and the key `{key}` that {role} this version were created"
                " one from the other, or by the same person; four eyes needs a compliance officer whose key"
                " is not tied to the author's",
                "approver",
            )


def history(session: Session, name: str) -> list[int]:
    """The strategy's deployed version ids not rolled back, oldest first; the last is live."""
    query = select(Deployment).where(Deployment.strategy_name == name).order_by(col(Deployment.id))
    return replay(session.exec(query))


def replay(rows: Sequence[Deployment] | object) -> list[int]:
    """The history a sequence of one strategy's deployment rows leaves (see the module docstring)."""
    stack: list[int] = []
    for row in rows:  # type: ignore[attr-defined]
        if row.action == "deploy":
            stack = [v for v in stack if v != row.version_id] + [row.version_id]
        elif stack:
            stack.pop()
    return stack


def live_versions(session: Session) -> dict[str, int]:
    """Strategy name → its live version number."""
    rows = list(session.exec(select(Deployment).order_by(col(Deployment.id))))
    by_name: dict[str, list[Deployment]] = {}
    for row in rows:
        by_name.setdefault(row.strategy_name, []).append(row)
    live_ids = {name: stack[-1] for name, items in by_name.items() if (stack := replay(items))}
    if not live_ids:
        return {}
    found = session.exec(select(StrategyVersion).where(col(StrategyVersion.id).in_(list(live_ids.values()))))
    number = {row.id: row.version for row in found}
    return {name: number[vid] for name, vid in live_ids.items() if vid in number}


def lock_strategy(session: Session, name: str) -> None:
    """Serialize deploys of one strategy (PostgreSQL row locks; SQLite's write transaction already does)."""
    session.exec(select(StrategyVersion.id).where(StrategyVersion.name == name).with_for_update()).all()


def deploy(session: Session, row: StrategyVersion, actor: str, now: dt.datetime) -> Deployment:
    """Make an approved version live; it replaces the live one, which stays in the history."""
    if row.status not in DEPLOYABLE:
        raise StrategyProblem(
            409,
            f"version {row.version} of `{row.name}` is {row.status}; it must be approved before deploying",
            "version",
        )
    lock_strategy(session, row.name)
    stack = history(session, row.name)
    if stack and stack[-1] == row.id:
        raise StrategyProblem(409, f"version {row.version} of `{row.name}` is already live", "version")
    record = Deployment(strategy_name=row.name, version_id=row.id, action="deploy", actor=actor, at=now, created_at=now)
    row.status = "deployed"
    session.add(row)
    session.add(record)
    session.flush()
    return record


def rollback(session: Session, name: str, actor: str, now: dt.datetime) -> tuple[Deployment, StrategyVersion]:
    """Take the live version down and make the previous one live again; returns the row and the retired version."""
    lock_strategy(session, name)
    stack = history(session, name)
    if len(stack) < 2:
        what = "is not deployed" if not stack else "has no earlier version to go back to"
        raise StrategyProblem(409, f"strategy `{name}` {what}", "name")
    retired = session.get(StrategyVersion, stack[-1])
    record = Deployment(
        strategy_name=name, version_id=stack[-2], action="rollback", actor=actor, at=now, created_at=now
    )
    session.add(record)
    if retired is not None:
        retired.status = "retired"
        session.add(retired)
    session.flush()
    assert retired is not None  # INVARIANT: deployment rows point at stored versions (foreign key)
    return record, retired
