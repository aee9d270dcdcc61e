"""The transparency log: checkpoints, cosignatures, proofs and C2SP tiles (prefix ``/api/v1/log``)."""

from __future__ import annotations

import base64
import re
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ...chain.errors import FieldProblem, MalformedError
from ...service import NotFoundError
from .. import models
from ..dependencies import API, ServicesDep, WritesDep
from .common import DIGEST, ERRORS, IMMUTABLE, MAX_TREE_SIZE, NOT_LOGGED, in_write_pool

router = APIRouter(prefix=API + "/log")
_TILE_LEVEL = re.compile(r"0|[1-9]|[1-5][0-9]|6[0-3]")
# N as 3-digit groups, all but the last prefixed with x, the first not x000 (no leading zeros), at most 7
# groups (room for every tile index of a tree of 2**63 leaves); W 1-255 without leading zeros (256 is the
# full tile)
_TILE_INDEX = re.compile(r"((?:x(?!000)[0-9]{3}/)(?:x[0-9]{3}/){0,5})?([0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")
TEXT_NOTE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/plain": {}}, "description": "a C2SP signed note"}}
OCTETS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "C2SP tlog-tiles resource"}
}


def tile_index(path: str) -> tuple[int, int | None]:
    """Parse the canonical ``x001/x234/067[.p/W]`` into (1234067, W or None); anything else (leading zeros,
    ``x000/`` first, ``.p/256``, a width of 0 or over 255) is no tile: NotFoundError, so that each tile has
    one URL (C2SP tlog-tiles)."""
    match = _TILE_INDEX.fullmatch(path)
    width = int(match.group(3)) if match and match.group(3) else None
    if match is None or (width is not None and width > 255):
        raise NotFoundError(f"{path!r} is not a tile index in canonical form (x001/x234/067, optionally .p/<1-255>)")
    digits = (match.group(1) or "").replace("x", "").replace("/", "") + match.group(2)
    return int(digits), width


def note_response(note: str, cache: str = "no-cache") -> PlainTextResponse:
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": cache})


@router.get("/tile/{level}/{path:path}", response_class=Response, responses={**OCTETS, **ERRORS})
def tile(
    services: ServicesDep,
    level: str = Path(description="0-63 (no leading zeros) or entries"),
    path: str = Path(description="x001/x234/067 (3-digit groups), optionally .p/<width 1-255>"),
) -> Response:
    """C2SP tlog-tiles, with prefix ``/api/v1/log``: ``tile/<L>/<N>[.p/<W>]`` (hashes) and
    ``tile/entries/<N>[.p/<W>]`` (record bytes, uint16-length-prefixed). Immutable: cache them forever.
    Only the canonical form names a tile: any other spelling (``01``, ``x000/067``, ``067.p/256``) is 404."""
    if level != "entries" and not _TILE_LEVEL.fullmatch(level):
        raise NotFoundError(f"{level!r} is not a tile level (0 to 63 without leading zeros, or entries)")
    index, width = tile_index(path)
    if level == "entries":
        body = services.log.entry_bundle(index, width)
        return Response(body, media_type="application/octet-stream", headers=IMMUTABLE)
    body = services.log.tile(int(level), index, width)
    return Response(body, media_type="application/octet-stream", headers=IMMUTABLE)


@router.get("/keys", response_model=list[models.LogKeyOut])
def log_keys(services: ServicesDep) -> list[dict[str, str | None]]:
    """Every key the log has signed checkpoints with, and when (trust them only as configured out of band)."""
    return [period.to_json() for period in services.log.signing_keys()]


@router.get("/checkpoint", response_class=PlainTextResponse, responses={**TEXT_NOTE, **ERRORS})
def latest_checkpoint(services: ServicesDep) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint), with any witness cosignatures."""
    return note_response(services.log.latest_checkpoint().cosigned)


@router.post("/checkpoint", response_class=PlainTextResponse, responses={**TEXT_NOTE, **ERRORS})
async def publish_checkpoint(services: ServicesDep, writes: WritesDep) -> PlainTextResponse:
    """Publish a checkpoint of the whole log now (returns the latest one if nothing was appended since)."""
    return note_response((await in_write_pool(writes, services.checkpointer.publish)).cosigned)


@router.get("/checkpoints/{size}", response_class=PlainTextResponse, responses={**TEXT_NOTE, **ERRORS})
def checkpoint_of_size(services: ServicesDep, size: int = Path(ge=0, le=MAX_TREE_SIZE)) -> PlainTextResponse:
    """The checkpoint the log signed at tree size ``size`` (immutable once signed; cosignatures may be added)."""
    # the signed text never changes; witnesses' cosignatures may still be added, so caches keep it briefly
    return note_response(services.log.checkpoint(size).cosigned, "public, max-age=300")


@router.post(
    "/cosignatures",
    response_class=PlainTextResponse,
    responses={**TEXT_NOTE, **ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def add_cosignatures(
    request: Request,
    services: ServicesDep,
    writes: WritesDep,
    size: int = Query(ge=0, le=MAX_TREE_SIZE, description="the cosigned checkpoint's size"),
) -> Any:
    """Attach witness cosignature lines (a tlog-witness add-checkpoint response body) to a checkpoint.
    Only witnesses configured in TRACE_WITNESS_KEYS are accepted. Returns the cosigned checkpoint."""
    body = await request.body()
    try:
        lines = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError(FieldProblem("", "cosignature lines must be UTF-8 text")) from None
    await in_write_pool(writes, services.cosignatures.add, size, lines)
    checkpoint = await run_in_threadpool(services.log.checkpoint, size)
    return note_response(checkpoint.cosigned)


@router.post(
    "/monitors",
    response_model=models.MonitorOut,
    status_code=201,
    responses=ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def add_monitor_report(request: Request, services: ServicesDep, writes: WritesDep) -> Any:
    """Take a monitor's signed status report (docs/FORMAT.md "Monitor status reports"). Only monitors configured
    in TRACE_MONITOR_KEYS are heard; a report must be newer than that monitor's last one."""
    body = await request.body()
    try:
        signed = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError(FieldProblem("", "a monitor report must be UTF-8 text")) from None
    return asdict(await in_write_pool(writes, services.monitors.take, signed))


@router.get("/monitors", response_model=list[models.MonitorOut])
def monitors(services: ServicesDep) -> list[dict[str, Any]]:
    """Each monitor this log hears, with what it last reported."""
    return [asdict(view) for view in services.monitors.latest()]


@router.get("/inclusion/{digest}", response_model=models.InclusionOut, responses={**ERRORS, **NOT_LOGGED})
def inclusion(
    services: ServicesDep,
    digest: str = Path(pattern=DIGEST, description="a record hash or event hash"),
    size: int | None = Query(None, ge=0, le=MAX_TREE_SIZE, description="tree size; default: the latest checkpoint"),
) -> JSONResponse:
    """The proof that a record (by record or event hash) is in the log, with the checkpoint it verifies
    against: the latest, or 503 with ``Retry-After`` while none covers the record yet. With ``size`` the
    answer is immutable."""
    view = services.records.record(digest)
    note = None
    if size is None:
        checkpoint, proof = services.log.checkpointed_inclusion(view.log_index)
        size, note = checkpoint.size, checkpoint.cosigned
    else:
        proof = services.log.inclusion_proof(view.log_index, size)
    body = {
        "log_index": view.log_index,
        "tree_size": size,
        "record_hash": view.record_hash,
        "leaf_hash": base64.b64encode(view.leaf_hash).decode(),
        "proof": [base64.b64encode(p).decode() for p in proof],
        "checkpoint": note,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache"} if note is not None else IMMUTABLE)


@router.get("/consistency", response_model=models.ConsistencyOut, responses=ERRORS)
def consistency(
    services: ServicesDep,
    first: int = Query(alias="from", ge=0, le=MAX_TREE_SIZE, description="the smaller tree size"),
    second: int = Query(alias="to", ge=0, le=MAX_TREE_SIZE, description="the larger tree size"),
) -> JSONResponse:
    """The proof that the tree of ``from`` leaves is a prefix of the tree of ``to`` leaves (RFC 9162
    §2.1.4): immutable."""
    proof = services.log.consistency_proof(first, second)
    body = {"from": first, "to": second, "proof": [base64.b64encode(p).decode() for p in proof]}
    return JSONResponse(body, headers=IMMUTABLE)
