"""The live plan book of a running service, read from the deployments log and swapped without a restart.

Every worker process keeps its own `engine.deploy.LivePlans`. Before deciding, a worker learns the
newest deployment id (one index lookup, which decide makes with the account's history read); when
another worker deployed or rolled back since, the new log rows are applied in order to the book —
the same `deploy`/`rollback` steps that made the log — and the book is swapped whole. A decision
takes the book once and decides on that snapshot, so it runs on the plan it started with even
while a deploy lands.

Compiled plans are cached by content hash: a text is compiled once per process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from dsl import ast
from dsl.check import CheckOptions, check_text
from engine.deploy import DeployRefused, LivePlans, PlanBook
from engine.evaluators import build_plan
from engine.plan import Plan, strategy_organization
from runtime.db.tables import Deployment, StrategyVersion
from runtime.store.problems import conflict


class PlanNotBuilt(ValueError):
    """A stored text that no longer compiles (it checked when it was deployed; the language changed)."""


def compile_text(text: str, name: str, evaluator: str = "compiled") -> Plan:
    """A stored strategy text as a plan (its language is checked; the law was checked at deploy)."""
    result = check_text(text, name, CheckOptions())
    program = result.parsed.program
    if not result.ok or not isinstance(program, ast.Strategy):
        raise PlanNotBuilt(f"the stored text of `{name}` no longer compiles")
    return build_plan(program, text, evaluator)


@dataclass
class PlanService:
    """One process's live plans, kept in step with the `deployments` table."""

    evaluator: str = "compiled"
    live: LivePlans = field(default_factory=LivePlans)
    applied: int = 0  # the last deployment id applied to the book
    plans: dict[str, Plan] = field(default_factory=dict)  # content hash -> compiled plan
    lock: threading.Lock = field(default_factory=threading.Lock)

    def book(self, session: Session) -> PlanBook:
        """The current book, caught up with the deployments log first."""
        return self.book_as_of(session, session.exec(select(sa.func.max(Deployment.id))).one())

    def book_as_of(self, session: Session, newest: int | None) -> PlanBook:
        """The book caught up to the log's row `newest`, which the caller read in this transaction."""
        if newest is None or newest <= self.applied:
            return self.live.book
        with self.lock:
            if newest > self.applied:
                self.catch_up(session, newest)
        return self.live.book

    def catch_up(self, session: Session, newest: int) -> None:
        """Apply the log rows after the last one applied, in order."""
        query = (
            select(Deployment, StrategyVersion)
            .join(StrategyVersion, col(StrategyVersion.id) == Deployment.version_id)
            .where(col(Deployment.id) > self.applied, col(Deployment.id) <= newest)
            .order_by(col(Deployment.id))
        )
        for deployment, version in session.exec(query):
            if deployment.action == "deploy":
                self.live.deploy(self.plan_of(version))
            else:
                # The log was written by the same rules; a refusal here would change nothing.
                with contextlib.suppress(DeployRefused):
                    self.live.rollback(deployment.strategy_name)
            self.applied = int(deployment.id or 0)

    def plan_of(self, version: StrategyVersion) -> Plan:
        """The compiled plan of a stored version (cached by content hash)."""
        plan = self.plans.get(version.content_hash)
        if plan is None:
            plan = compile_text(version.content, version.name, self.evaluator)
            self.plans[version.content_hash] = plan
        return plan


def plan_for(plans: Any, name: str, deployment: int | None = None) -> Plan:
    """The live plan of the account's strategy; a 409 when none is deployed.

    `deployment`: the newest deployment id, read with the account's history, for live plans that
    catch up with the deployments log (`plan_as_of`) without a statement of their own.
    """
    if hasattr(plans, "plan_as_of"):
        plan = plans.plan_as_of(name, deployment)
    else:
        source = getattr(plans, "book", plans)
        plan = source.plan(name) if hasattr(source, "plan") else source.get(name)
    if plan is None:
        raise conflict(f"strategy `{name}` is not deployed", "strategy_name")
    return plan


def organizations(plans: PlanService, session: Session) -> Callable[[str], str]:
    """Who collects under a strategy, by its name, from the live plans (an agency when none is deployed)."""

    def organization_of(name: str) -> str:
        plan = plans.book(session).plan(name)
        return strategy_organization(plan) if plan is not None else "agency"

    return organization_of
