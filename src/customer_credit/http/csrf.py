"""Uploads need a non-simple header, so that a page on another site cannot post a file with a
plain HTML form (a browser sends a form's multipart body cross-site without a preflight)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


def is_multipart(headers: Headers) -> bool:
    """By the content type's essence, as a browser and the parsers read it: `multipart/form-data`."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower().startswith("multipart/")


class UploadPreflight:
    """400 for a multipart request without one of PREFLIGHT_HEADERS."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if is_multipart(headers) and not any(name in headers for name in PREFLIGHT_HEADERS):
                response = JSONResponse(
                    {"code": "CSRF", "message": "A multipart request needs an Apollo-Require-Preflight header."}, 400
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
