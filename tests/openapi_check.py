"""Every JSON response a test receives is checked against the response schema its operation documents.

``SchemaChecked`` wraps an ASGI app (``LiveServer`` wraps every app it serves): it reads the app's own
OpenAPI description, and for each response whose operation, status and media type are documented and whose
body is JSON, validates the body with jsonschema-rs. Mismatches are collected, not raised in the server's
thread; ``LiveServer`` fails the test with them when it stops. Paths the description does not name (the
resolver's pages, ``/openapi.json``) and undocumented statuses are not checked here (schemathesis'
status-code check covers the latter in tests/api/test_api_fuzz.py).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import jsonschema_rs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_TYPES = ("application/json", "application/problem+json")


class ResponseSchemas:
    """The documented response schemas of one OpenAPI description, by operation, status and media type."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._routes: list[tuple[re.Pattern[str], int, str]] = []
        for template in spec.get("paths", {}):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self._routes.append((re.compile(f"^{pattern}$"), template.count("{"), template))
            if template.endswith("}"):  # a last parameter may be a path ({path:path}, as the tiles' is)
                spanning = re.sub(r"\[\^/\]\+$", ".+", pattern)
                self._routes.append((re.compile(f"^{spanning}$"), 100 + template.count("{"), template))
        self._routes.sort(key=lambda r: r[1])  # literal segments win over templated ones, single segments over paths
        self._validators: dict[tuple[str, str, str, str], Any] = {}

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, _, template in self._routes:
            if pattern.match(path) and method.lower() in self.spec["paths"][template]:
                return template, self.spec["paths"][template][method.lower()]
        return None

    def problems(self, method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
        """What is wrong with this response against its documented schema (nothing if it is not checked)."""
        media = content_type.split(";", maxsplit=1)[0].strip().lower()
        if media not in JSON_TYPES:
            return []
        found = self.operation(method, path)
        if found is None:
            return []
        template, op = found
        content = op.get("responses", {}).get(str(status), {}).get("content", {})
        schema = (content.get(media) or content.get("application/json") or {}).get("schema")
        if schema is None:
            return []
        key = (template, method, str(status), media)
        if key not in self._validators:
            document = {**schema, "components": self.spec.get("components", {})}
            self._validators[key] = jsonschema_rs.validator_for(document)
        try:
            instance = json.loads(body)
        except ValueError:
            return [f"{method} {path} -> {status}: {media} body is not JSON"]
        return [
            f"{method} {path} -> {status} ({template}): {error.message} at {'/'.join(map(str, error.instance_path))}"
            for error in self._validators[key].iter_errors(instance)
        ]


class SchemaChecked:
    """An ASGI app that passes everything through and checks every JSON response against the OpenAPI."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.mismatches: list[str] = []
        self._schemas: ResponseSchemas | None = None

    def schemas(self) -> ResponseSchemas | None:
        if self._schemas is None and callable(getattr(self.app, "openapi", None)):
            self._schemas = ResponseSchemas(self.app.openapi())
        return self._schemas

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._check(scope, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, recording)

    def _check(self, scope: Scope, start: Message, body: bytes) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        media = headers.get("content-type", "").split(";", maxsplit=1)[0].strip().lower()
        if media not in JSON_TYPES or scope["method"] == "HEAD":
            return
        schemas = self.schemas()  # the app's description is built at the first JSON response, not before
        if schemas is None:
            return
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.mismatches += schemas.problems(
            scope["method"], scope["path"], int(start.get("status", 0)), headers.get("content-type", ""), body
        )
