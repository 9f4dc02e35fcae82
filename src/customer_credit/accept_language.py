"""The language a request asks for, from its Accept-Language header (RFC 9110 §12.5.4).

Portuguese (`pt-BR`, `pt`, any `pt-*`) gets Brazilian Portuguese; anything else, or no header,
gets English. Werkzeug parses the header (quality values, wildcards, malformed parts ignored).
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from customer_credit.domain.messages import DEFAULT_LANGUAGE, Language

# What the header is matched against: `pt` lets any Portuguese variant (pt-PT, pt-AO) choose it.
_OFFERED = {"en": Language.EN, "pt-BR": Language.PT_BR, "pt": Language.PT_BR}


def language_of(accept_language: str | None) -> Language:
    if not accept_language:
        return DEFAULT_LANGUAGE
    best = parse_accept_header(accept_language, LanguageAccept).best_match(list(_OFFERED))
    return _OFFERED[best] if best is not None else DEFAULT_LANGUAGE


def request_language(headers: Mapping[str, str] | None) -> Language:
    """The language of a request (or WebSocket) by its headers; English without them."""
    return language_of(headers.get("accept-language") if headers is not None else None)
