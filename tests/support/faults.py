"""Faults: a database outage's driver message."""

from __future__ import annotations

# What the driver says when it cannot reach the database: internals no client may ever see.
DRIVER_DETAIL = "db-7.internal.example.net:27017: [Errno 111] Connection refused, Topology Description: <...>"
