"""The registry's Alembic migrations (run them through activities.registry.migrate)."""
