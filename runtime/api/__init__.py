"""The engine API service (FastAPI): `runtime.api.app.create_app(settings)` builds it."""
