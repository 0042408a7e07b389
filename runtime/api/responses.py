"""The answer of a `def` route with a `response_model`, built in the thread that ran the route.

FastAPI validates a `def` route's returned value against its `response_model` in the thread
pool: a second hop to a thread and back after the one that ran the route (a handoff through a
lock and a wake-up of the event loop, each way). `/v1/decide` returns a `Response` built by
`model_response` instead, which FastAPI sends as it is; the route keeps its `response_model`, so
OpenAPI documents the same body, and the bytes are what FastAPI would have sent: the same
validation and pydantic's own JSON dump by alias (`tests/test_api_speed.py` compares them).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import TypeAdapter


def model_response(adapter: TypeAdapter[Any], value: Any) -> Response:
    """`value` validated against a route's response model and dumped as FastAPI would, as JSON."""
    body = adapter.dump_json(adapter.validate_python(value), by_alias=True)
    return Response(content=body, media_type="application/json")
