"""Fixtures shared by the modules that start the real service as a subprocess."""

from .service import external_db, launcher  # noqa: F401 (fixtures)
