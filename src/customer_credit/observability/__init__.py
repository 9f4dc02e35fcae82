"""Structured logs and Prometheus metrics, shared by every transport and the worker.

Logs are one JSON object per line. They never carry an email, a document, a
secret or a query string: the access log names the route's path template and
the caller's key *name*, and GraphQL operations are logged by operation name.
"""
