"""What several routers share: documented errors, headers, parameter patterns, JSON bodies read off the loop."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
from fastapi import Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ...chain.canonical import parse_json
from ...chain.errors import FieldProblem, MalformedError
from ...store import TransientStoreError
from .. import problems
from ..dependencies import WritePool

T = TypeVar("T")
DIGEST = r"^[0-9a-f]{64}$"
MAX_TREE_SIZE = 2**63 - 1
"""The largest tree size a request may name (sizes are stored as signed 64-bit integers)."""
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
"""For answers that can never change: a record by its hash, a proof between fixed tree sizes, a full tile."""
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 403, 404, 409, 413, 422, 503, 507), problems.RESPONSE)
"""The API's documented errors (503: the database is busy or unreachable; 507: it is full)."""
NOT_LOGGED: dict[int | str, dict[str, Any]] = {503: problems.RESPONSE}
"""Documented for reads that need a checkpoint covering what they prove."""


async def json_object(request: Request, *fields: str, optional: Sequence[str] = ()) -> dict[str, Any]:
    """The request body as a JSON object with exactly ``fields`` (those in ``optional`` may be left out),
    parsed in the thread pool so that a large body never holds up the event loop."""
    body = await request.body()
    value = await run_in_threadpool(parse_json, body)
    if not isinstance(value, dict):
        raise MalformedError(FieldProblem("", "the body must be a JSON object"))
    found = [FieldProblem(f"/{k}", "unknown field") for k in sorted(set(value) - set(fields))]
    found += [FieldProblem(f"/{k}", "is required") for k in fields if k not in value and k not in optional]
    if found:
        raise MalformedError(found)
    return value


async def in_write_pool(pool: WritePool, work: Callable[..., T], *args: Any, grouped: bool = False) -> T:
    """Run a use case that writes (and so may wait for the write lock) in the thread pool, at most
    ``WRITE_THREADS`` at once (``grouped``: a single append, which waits for its group without holding a
    database connection, at most ``APPEND_THREADS``); when they are all taken for longer than the pool's
    patience (the lock timeout: a writer holds the lock), :class:`TransientStoreError` (503 with
    ``Retry-After``) instead of a queue."""
    slots = pool.appends if grouped else pool.limiter
    with anyio.move_on_after(pool.patience) as waiting:
        await slots.acquire()
    if waiting.cancelled_caught:
        raise TransientStoreError(f"database: {int(slots.total_tokens)} writes already wait for the write lock")
    try:
        return await anyio.to_thread.run_sync(functools.partial(work, *args), limiter=pool.threads)
    finally:
        slots.release()


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a request body that the domain parses (documented by ``model``, not parsed by it)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}
