"""The engine API service: `create_app(settings)` builds the FastAPI app under `/v1`.

What a worker holds for its life is read once at start: the policy packs (compiled for the
guard), the templates, the database engine and the live plan book (`runtime.service.plans`).
A pack or template with an error stops the start: a service that judged contacts without a pack
it failed to read would allow what that pack forbids.

Logs name the route, status, duration, request id and key id: never a payload, a query string
or an exception's text, any of which may hold a patient's data.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dsl import ast
from dsl.diagnostics import Diagnostic, render_all_text
from dsl.templates import TemplateSet
from engine.guard import GuardRules, compile_rules
from runtime.api import errors
from runtime.api.auth import KeyCache
from runtime.db.database import make_engine
from runtime.files import load_policies, load_templates
from runtime.render import load_disclosure_wording
from runtime.service.plans import PlanService

log = logging.getLogger("parley.api")
VERSION = "1"
DISCLOSURES = Path("policies/disclosures.toml")


class StartError(RuntimeError):
    """The service cannot start: a folder is missing or a pack or template has an error."""


@dataclass(frozen=True)
class Settings:
    """How a service starts: its database, the folders it reads and the evaluator it runs."""

    database_url: str | None = None
    policies: Path = Path("policies")
    templates: Path = Path("templates")
    evaluator: str = "compiled"
    disclosures: Path | None = None  # TOML wording per language; default `DISCLOSURES` when it exists
    score_models: bool = False  # score accounts with the trained models (else the facts' own scores)
    key_cache_seconds: float = 5.0
    pool_size: int = 20

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from `PARLEY_*` variables, then the overrides given."""
        values: dict[str, Any] = {
            "database_url": os.environ.get("PARLEY_DATABASE_URL"),
            "policies": Path(os.environ.get("PARLEY_POLICIES", "policies")),
            "templates": Path(os.environ.get("PARLEY_TEMPLATES", "templates")),
            "evaluator": os.environ.get("PARLEY_ENGINE", "compiled"),
            "disclosures": Path(os.environ["PARLEY_DISCLOSURES"]) if os.environ.get("PARLEY_DISCLOSURES") else None,
            # The service scores every account by default; PARLEY_SCORE_MODELS=0 keeps the facts' own scores.
            "score_models": os.environ.get("PARLEY_SCORE_MODELS", "1").lower() not in ("0", "false", "no"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class ServiceState:
    """What every route reads: settings, database, packs, templates, plans and the key cache."""

    settings: Settings
    engine: Engine
    packs: tuple[ast.Policy, ...]
    rules: GuardRules
    templates: TemplateSet
    folder_findings: tuple[Diagnostic, ...]
    plans: PlanService
    keys: KeyCache = field(default_factory=KeyCache)
    disclosures: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    models: Mapping[str, Any] | None = None
    bandit: Any = None  # a `BanditWatch` over the timing bandit's saved posterior, when scoring
    replies: Any = None  # the reply classifier new replies are read with, when scoring (else the rules alone)


def load_state(settings: Settings, engine: Engine | None = None) -> ServiceState:
    """Read the folders and open the database; raise `StartError` on a broken pack or template."""
    if not settings.policies.is_dir():
        raise StartError(f"there is no policies folder `{settings.policies}`; set PARLEY_POLICIES")
    packs, findings = load_policies(settings.policies)
    templates, template_findings = load_templates(settings.templates)
    problems = [d for d in [*findings, *template_findings] if d.is_error]
    if problems:
        raise StartError(f"the packs or templates have errors:\n{render_all_text(problems)}")
    if engine is None:
        sqlite = (settings.database_url or "").startswith("sqlite") or not settings.database_url
        options = {} if sqlite else {"pool_size": settings.pool_size, "max_overflow": settings.pool_size}
        engine = make_engine(settings.database_url, **options)
    return ServiceState(
        settings=settings,
        engine=engine,
        packs=tuple(packs),
        rules=compile_rules(packs),
        templates=templates,
        folder_findings=tuple(findings + template_findings),
        plans=PlanService(settings.evaluator),
        keys=KeyCache(settings.key_cache_seconds),
        disclosures=read_disclosures(settings.disclosures),
        models=trained_models() if settings.score_models else None,
        bandit=timing_bandit() if settings.score_models else None,
        replies=reply_model() if settings.score_models else None,
    )


def read_disclosures(path: Path | None) -> dict[str, dict[str, Any]]:
    """The packs' wording book (`runtime.render.load_disclosure_wording`), or none."""
    path = path or (DISCLOSURES if DISCLOSURES.is_file() else None)
    if path is None:
        return {}
    try:
        return load_disclosure_wording(path)
    except ValueError as problem:  # it names the file
        raise StartError(f"cannot read the disclosure wording: {problem}") from None


def timing_bandit() -> Any:
    """The timing bandit's saved posterior (its priors when none is saved), read again when
    `parley train --timing` saves a new one, without a restart (see `BanditWatch`)."""
    from runtime.service.learn_timing import BanditWatch

    return BanditWatch()


def reply_model() -> Any:
    """The shipped reply classifier (trained on the shipped corpus on first use; see `runtime.reply_models`)."""
    from runtime.reply_models import default_reply_model

    return default_reply_model()


def trained_models() -> dict[str, Any]:
    """The shipped score models (trained on first use; see `runtime.models`)."""
    from runtime.models import default_models

    models = dict(default_models())
    for model in models.values():
        getattr(model, "fast", None)  # built and checked now (~0.1-0.3 s), not on the first decision
    return models


class RequestLog:
    """ASGI middleware: a request id on every response and one log line per request, ids only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = f"/v1{route.path}" if route is not None and hasattr(route, "path") else "unmatched"
            key_id = scope.get("state", {}).get("key_id", "-")
            elapsed = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %d %.1fms request_id=%s key=%s",
                scope["method"],
                template,
                status["code"],
                elapsed,
                request_id,
                key_id,
            )


def create_app(settings: Settings | None = None, state: ServiceState | None = None) -> FastAPI:
    """The API app; pass `state` to share one (tests), or settings to read the folders now."""
    from runtime.api.hot import HotRoutes
    from runtime.api.routes import ROUTERS

    state = state or load_state(settings or Settings.from_env())
    app = FastAPI(
        title="Parley engine API",
        version=VERSION,
        description=(
            "Check strategies against the law, deploy them with four-eyes approval, decide and reserve "
            "contacts on a race-free ledger, and read the hash-chained audit log. Authenticate with an "
            "API key: `Authorization: Bearer pk_<id>_<secret>`."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = state
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    app.add_middleware(HotRoutes)  # inside RequestLog: the hot routes' requests are logged like any other
    app.add_middleware(RequestLog)
    return app


def factory() -> FastAPI:
    """The app from the environment: what `uvicorn --factory runtime.api.app:factory` runs in each worker."""
    return create_app(Settings.from_env())
