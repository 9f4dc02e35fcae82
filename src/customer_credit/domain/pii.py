"""Masks for personal data shown to callers without the `pii:read` scope."""

from __future__ import annotations


def mask_email(email: str) -> str:
    """`john@example.com` -> `j***@example.com`: enough to recognise, not to use."""
    local, _, domain = email.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_document(document: str) -> str:
    """Keep the last four characters, as `***.***.*89-09` does for a CPF."""
    if len(document) == 11:
        return f"***.***.*{document[7:9]}-{document[9:]}"
    if len(document) == 14:
        return f"**.***.***/**{document[10:12]}-{document[12:]}"
    visible = document[-4:] if len(document) > 4 else ""
    return "*" * (len(document) - len(visible)) + visible
