"""Request-level guards that run before any parsing: body size and the upload CSRF check.

Also `HardenedRequestParsing`, a mixin for the GraphQL view: strawberry's HTTP body
parsing lets some malformed bodies escape as exceptions (an HTTP 500); these are the
client's mistakes and get an HTTP 400 instead.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.datastructures import Headers, UploadFile
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")
# Multipart framing (boundaries, part headers, the `operations` and `map` fields) adds a
# little to the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    pass


def media_type(headers: Headers) -> str:
    """The content type's essence, as a browser and the parsers read it: `multipart/form-data`."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


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
        multipart = media_type(headers).startswith("multipart/")
        if multipart and not any(name in headers for name in PREFLIGHT_HEADERS):
            response = JSONResponse(
                {"code": "CSRF", "message": "A multipart request needs an Apollo-Require-Preflight header."}, 400
            )
            await response(scope, receive, send)
            return
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD if multipart else self.max_body_bytes
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


class HardenedRequestParsing:
    """Put before strawberry's `GraphQL` in the view's bases: `class GraphQLView(HardenedRequestParsing, GraphQL)`.

    HTTP (`parse_json`: the body, a multipart request's `operations` and `map`): strawberry calls
    `.get` on whatever the body decodes to (a body of `5` is a 500), lets `UnicodeDecodeError`,
    the int-digits `ValueError` and `RecursionError` of `json.loads` through, and indexes blindly
    into `operations` with `map` (`parse_multipart`). Each of these is an HTTP 400 here.

    WebSocket (`decode_json`, which only the WebSocket protocols call once `parse_json` no longer
    does): strawberry turns a `JSONDecodeError` into the protocol's close 4400, but crashes on any
    other exception, and on a message that decodes to something other than an object. Every bad
    message raises `JSONDecodeError` here, so it is closed with 4400. (An HTTPException raised from
    `decode_json` would crash the WebSocket handler instead.)
    """

    def parse_json(self, data: str | bytes) -> Any:
        try:
            decoded = json.loads(data)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError, huge ints
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        # A body and `operations` are an object (or a list: a batch, which the schema refuses);
        # so are `map` and GET's `variables`.
        if not isinstance(decoded, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object.")
        return decoded

    def decode_json(self, data: str | bytes) -> Any:
        try:
            decoded = json.loads(data)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError) as error:
            raise json.JSONDecodeError(f"not JSON ({type(error).__name__})", "", 0) from error
        if not isinstance(decoded, dict):
            raise json.JSONDecodeError("not a JSON object", "", 0)
        return decoded

    async def parse_multipart(self, request: Any) -> dict[str, Any]:
        try:
            form_data = await request.get_form_data()
        except ValueError as error:
            raise HTTPException(400, "Unable to parse the multipart body") from error
        form = form_data.form
        operations, files_map = form.get("operations"), form.get("map", "{}")
        if not isinstance(operations, str) or not isinstance(files_map, str):
            raise HTTPException(400, "A multipart request needs `operations` and `map` as form fields.")
        operations, files_map = self.parse_json(operations), self.parse_json(files_map)
        if not isinstance(files_map, dict) or not all(
            isinstance(paths, list) and all(isinstance(path, str) for path in paths) for paths in files_map.values()
        ):
            raise HTTPException(400, "`map` must be an object of lists of paths.")
        for name, paths in files_map.items():
            upload = form.get(name)
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, f"`map` names a file that is not in the request: {name[:64]!r}.")
            for path in paths:
                place(operations, path, upload)
        return operations


def place(operations: Any, path: str, upload: UploadFile) -> None:
    """Put the file where `path` (`variables.file`, `0.variables.files.1`) says: at a null, or at
    a new key of an object (the spec's placeholder is a null; some clients leave the key out)."""
    *parents, last = path.split(".")
    target = operations
    try:
        for key in parents:
            target = target[list_index(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list) and target[list_index(last)] is None:
            target[list_index(last)] = upload
        elif isinstance(target, dict) and target.get(last) is None:
            target[last] = upload
        else:
            raise KeyError(last)
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise HTTPException(400, f"`map` has a path that is not a null in `operations`: {path[:100]!r}.") from error


def list_index(key: str) -> int:
    if not key.isascii() or not key.isdigit():
        raise ValueError(key)
    return int(key)
