"""Strawberry's HTTP body parsing lets some malformed bodies escape as exceptions (an HTTP 500);
these are the client's mistakes and get an HTTP 400 instead (a WebSocket: close 4400)."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.datastructures import UploadFile


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
