"""Request bodies over their cap are refused with a 413 before anything parses them; uploads
(multipart) have their own, larger cap."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customer_credit.accept_language import request_language
from customer_credit.domain.messages import message
from customer_credit.http.csrf import is_multipart

# Multipart framing (boundaries, part headers, the `operations` and `map` fields) adds a
# little to the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """The declared Content-Length is checked first; the body actually received is counted too."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD if is_multipart(headers) else self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(limit, scope)(scope, receive, send)
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
                await too_large(limit, scope)(scope, receive, send)


def too_large(limit: int, scope: Scope) -> JSONResponse:
    text = message("TOO_LARGE.body", limit=limit).render(request_language(Headers(scope=scope)))
    return JSONResponse({"code": "TOO_LARGE", "message": text}, 413)
