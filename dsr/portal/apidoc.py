"""What the API's OpenAPI document and its routes say beyond the handlers' types.

* :func:`serving` — a download's real media types (a PDF, an image), not the handler's one default;
* :func:`documented` — the error responses (each a ``Problem``) of every operation of a router;
* :func:`with_options` — ``OPTIONS`` that lists every method of a path served by several handlers
  (Litestar's own OPTIONS handler is made with the first handler of a path and keeps its methods).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Response, route
from litestar.enums import HttpMethod, MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

#: what a document of a case can be: letters and exports, the requester's uploads, notes
DOCUMENT_TYPES = ("application/pdf", "application/json", "text/plain", "image/jpeg", "image/png")


def serving(*media_types: str) -> type[Operation]:
    """An ``operation_class`` whose success response is a file of one of ``media_types``."""

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                if status.startswith("2") and not isinstance(response, dict) and hasattr(response, "content"):
                    binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    response.content = {t: OpenAPIMediaType(schema=binary) for t in media_types}

    return FileOperation


def documented(handlers: Sequence[Any], errors: dict[int, ResponseSpec]) -> list[Any]:
    """``handlers``, each documenting ``errors`` besides the error responses it declares itself
    (routes added later get them, too)."""
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            handler.responses = {**errors, **(handler.responses or {})}
    return list(handlers)


def with_options(handlers: Sequence[Any]) -> list[Any]:
    """``handlers`` with an OPTIONS handler first for each path that several of them share."""
    methods: dict[str, set[str]] = {}
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            for path in handler.paths:
                methods.setdefault(path, set()).update(handler.http_methods)
    shared = [path for path in methods if sum(path in h.paths for h in handlers if hasattr(h, "paths")) > 1]
    return [*(_options(path, methods[path]) for path in shared), *handlers]


def _options(path: str, methods: set[str]) -> HTTPRouteHandler:
    allow = ", ".join(sorted({*methods, "OPTIONS"}))

    def options() -> Response[None]:
        return Response(None, status_code=204, headers={"allow": allow}, media_type=MediaType.TEXT)

    name = "options " + path
    return route(path, http_method=[HttpMethod.OPTIONS], include_in_schema=False, sync_to_thread=False, name=name)(
        options
    )
