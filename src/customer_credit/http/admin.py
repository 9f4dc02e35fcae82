"""The admin page: `GET /admin` and its static files under `/admin/static/`.

Plain files, no build step. The page and its files are public (the auth middleware lets
`/admin...` through); every call the page makes to the API carries the user's key. The
key lives in the page's sessionStorage, so the page is served with a strict Content
Security Policy: scripts and styles only from this origin, no inline code, no framing.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent.parent / "static" / "admin"

# 'self' in connect-src covers the same-origin WebSocket too (CSP Level 3).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # No hashed file names (no build step): always revalidate, so an upgrade shows at once.
    "Cache-Control": "no-cache",
}


class WithHeaders:
    """Adds the security headers to every response of the wrapped ASGI app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() != "cache-control"
                ]
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def admin_page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


async def admin_slash(request: Request) -> Response:
    return RedirectResponse(request.url.replace(path=request.url.path.rstrip("/")), status_code=308)


def admin_routes() -> list[BaseRoute]:
    """`GET /admin` (the page) and `/admin/static/...` (its stylesheet and JavaScript modules)."""
    return [
        Route("/admin", admin_page, methods=["GET", "HEAD"], name="admin"),
        Route("/admin/", admin_slash, methods=["GET", "HEAD"]),
        Mount(
            "/admin/static", app=WithHeaders(StaticFiles(directory=STATIC_DIR, check_dir=False)), name="admin-static"
        ),
    ]
