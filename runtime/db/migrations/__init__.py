"""Alembic migrations of the service's database (run by `runtime.db.migrate.upgrade`)."""
