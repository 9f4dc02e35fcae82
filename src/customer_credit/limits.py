"""Request-level guards that run before any parsing: body size and the upload CSRF check."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


class BodyTooLarge(Exception):
    pass


class RequestLimits:
    """413 for a body over its cap (uploads have their own, larger one); 400 for a multipart
    request without a non-simple header, which a browser on another site could otherwise send."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").startswith("multipart/")
        if multipart and not any(name in headers for name in PREFLIGHT_HEADERS):
            response = JSONResponse(
                {"code": "CSRF", "message": "A multipart request needs an Apollo-Require-Preflight header."}, 400
            )
            await response(scope, receive, send)
            return
        # Multipart framing adds a little to the file itself.
        limit = self.max_upload_bytes + 64 * 1024 if multipart else self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(limit)(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await too_large(limit)(scope, receive, send)


def too_large(limit: int) -> JSONResponse:
    return JSONResponse({"code": "TOO_LARGE", "message": f"The request body is over {limit} bytes."}, 413)
