"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..chain.canonical import parse_json
from ..chain.errors import ChainBrokenError, FieldProblem, MalformedError
from ..chain.merkle import leaf_hash
from ..chain.records import SignedEvent
from ..events.catalogue import catalogue, check_event_type, event_types
from ..events.rules import rules_config
from ..service import Appended, Ledger
from ..store.repository import StoredCheckpoint, StoredFinding
from . import labels, models, problems

API = "/api/v1"
DIGEST = r"^[0-9a-f]{64}$"
TILE_PATH = r"^(x[0-9]{3}/)*[0-9]{3}(\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$"
MAX_TREE_SIZE = 2**63 - 1
"""The largest tree size a request may name (sizes are stored as signed 64-bit integers)."""
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
"""For answers that can never change: a record by its hash, a proof between fixed tree sizes, a full tile."""
logger = logging.getLogger("ginseng_trace.api")
PROBLEM = problems.RESPONSE


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_large = HTTPException(413, f"request body exceeds {self.limit} bytes")
        received = 0

        async def limited() -> Message:
            nonlocal received
            if declared is not None and declared.isdigit() and int(declared) > self.limit:
                raise too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise too_large
            return message

        await self.app(scope, limited, send)


class ShedLoad:
    """Answer 503 at once, with ``Retry-After``, while ``limit`` requests are already being served: under
    a scan burst beyond capacity, people get a quick "try again" instead of a queue that only grows."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": "Service busy",
                    "status": 503,
                    "detail": f"more than {self.limit} requests are being served; retry in a second",
                }
            ).encode()
            headers = [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header (RFC 9110 §12.5.3) admits gzip: named, or ``*``, without q=0."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, param = item.partition(";")
        name, _, value = param.strip().partition("=")
        try:
            weights[coding.strip()] = float(value) if name == "q" else 1.0
        except ValueError:
            weights[coding.strip()] = 0.0
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


def _refuse_nul(request: Request) -> None:
    """No identifier or parameter of this API holds a NUL character, and PostgreSQL text cannot store one:
    refuse it by name before anything reads the database (422, like any other bad field)."""
    params = [*request.path_params.items(), *request.query_params.multi_items()]
    problems = [
        FieldProblem(f"/{name}", "must not contain a NUL character")
        for name, value in params
        if (isinstance(value, str) and "\x00" in value) or "\x00" in name
    ]
    if problems:
        raise MalformedError(problems)


async def _json_body(request: Request) -> Any:
    return parse_json(await request.body())


def _appended(result: Appended) -> JSONResponse:
    view = result.record
    return JSONResponse(
        {**view.to_json(), "findings": [v.to_json() for v in result.findings]},
        status_code=201 if result.created else 200,
        headers={"Location": f"{API}/events/{view.record_hash}"},
    )


BUNDLE_CACHE_LOTS = 1000


def _object(value: Any, *fields: str, optional: Sequence[str] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedError(FieldProblem("", "the body must be a JSON object"))
    problems_ = [FieldProblem(f"/{k}", "unknown field") for k in sorted(set(value) - set(fields))]
    problems_ += [FieldProblem(f"/{k}", "is required") for k in fields if k not in value and k not in optional]
    if problems_:
        raise MalformedError(problems_)
    return value


def _checkpoint_loop(
    ledger: Ledger, seconds: float | None, witness_urls: Sequence[str]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Lifespan: while the app runs, publish a checkpoint every ``seconds`` if the log grew, and ask the
    witnesses at ``witness_urls`` (C2SP tlog-witness) to cosign each new one; on shutdown, write the
    scans not yet written."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def loop(interval: float, http: httpx.Client) -> None:
            from ..witness import WitnessPusher

            pusher = WitnessPusher(ledger, witness_urls, http)
            pushed = -1
            while True:
                await asyncio.sleep(interval)
                try:
                    checkpoint = await asyncio.to_thread(ledger.publish_checkpoint)
                    if pusher.urls and checkpoint.size != pushed:
                        for line in await asyncio.to_thread(pusher.push_all):
                            logger.info("witness %s", line)
                        pushed = checkpoint.size
                except Exception:  # keep publishing; the next round will retry
                    logger.exception("publishing a checkpoint failed")

        try:
            if not seconds or ledger.log_signer is None:
                yield
                return
            with httpx.Client(timeout=10) as http:
                task = asyncio.create_task(loop(seconds, http))
                try:
                    yield
                finally:
                    task.cancel()
        finally:
            ledger.flush_scans()  # scans are written behind: keep the last ones on a clean shutdown

    return lifespan


_TILE_LEVEL = re.compile(r"0|[1-9]|[1-5][0-9]|6[0-3]")
_TILE_INDEX = re.compile(r"((?:x[0-9]{3}/)*)([0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


def _tile_path(path: str) -> tuple[int, int | None]:
    """Parse ``x001/x234/067[.p/W]`` into (1234067, W or None); refuse anything else."""
    match = _TILE_INDEX.fullmatch(path)
    width = int(match.group(3)) if match and match.group(3) else None
    if match is None or (width is not None and width > 255):
        raise MalformedError(FieldProblem("/path", "a tile index is x001/x234/067, optionally .p/<width 1-255>"))
    digits = match.group(1).replace("x", "").replace("/", "") + match.group(2)
    return int(digits), width


def _cosigned(checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's signed note with the witnesses' cosignature lines appended."""
    return checkpoint.note + "".join(checkpoint.cosignatures)


def create_app(
    ledger: Ledger,
    *,
    max_body_bytes: int = 1 << 20,
    max_in_flight: int = 64,
    checkpoint_seconds: float | None = None,
    witness_urls: Sequence[str] = (),
    public_base: str = "http://127.0.0.1:8000",
    scan_policy: labels.ScanPolicy = labels.DEFAULT_SCAN_POLICY,
    trust_anchors_url: str | None = None,
) -> FastAPI:
    """The HTTP API over ``ledger``; with ``checkpoint_seconds``, checkpoints are also published on a timer
    and sent to the witnesses at ``witness_urls``."""
    app = FastAPI(
        title="Ginseng Trace",
        version=__version__,
        description="Append-only, hash-chained traceability ledger for Jilin ginseng.",
        lifespan=_checkpoint_loop(ledger, checkpoint_seconds, witness_urls),
        dependencies=[Depends(_refuse_nul)],
    )
    app.state.ledger = ledger
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(ShedLoad, limit=max_in_flight)
    problems.install(app)
    labels.install(app, ledger, public_base=public_base, scan_policy=scan_policy, trust_anchors_url=trust_anchors_url)
    errors: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 404, 409, 413, 422), PROBLEM)
    bundles: dict[str, tuple[tuple[int, int, int], bytes, bytes, str]] = {}

    def body_schema(model: type[BaseModel]) -> dict[str, Any]:
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}

    @app.post(
        f"{API}/events",
        status_code=201,
        response_model=models.AppendedOut,
        responses={200: {"description": "already recorded (an idempotent retry)"}, **errors},
        openapi_extra=body_schema(models.SignedEventIn),
        summary="Submit a client-signed event",
    )
    async def submit_event(request: Request) -> JSONResponse:
        body = _object(await _json_body(request), "event", "signature", "disclosures", optional=("disclosures",))
        return _appended(ledger.append(SignedEvent.from_envelope(body)))

    if ledger.dev_signer is not None:

        @app.post(
            f"{API}/dev/events",
            status_code=201,
            response_model=models.AppendedOut,
            responses=errors,
            openapi_extra=body_schema(models.DevEventIn),
            summary="Submit an event for the server's development actor to sign (development only)",
        )
        async def submit_dev_event(request: Request) -> JSONResponse:
            body = _object(await _json_body(request), "event")
            return _appended(ledger.append(ledger.sign_as_dev(body["event"])))

    @app.get(f"{API}/events/{{digest}}", response_model=models.RecordOut, responses=errors, summary="Get a record")
    def get_event(digest: str = FastAPIPath(pattern=DIGEST, description="a record hash or event hash")) -> JSONResponse:
        """The record whose record hash or event hash (64 hex digits) is ``digest``: immutable, cached for
        a year by anyone."""
        return JSONResponse(ledger.record(digest).to_json(), headers=IMMUTABLE)

    @app.get(f"{API}/lots/{{lot_id}}/history", response_model=models.HistoryOut, responses=errors)
    def lot_history(lot_id: str, request: Request) -> Response:
        """Every record of the lot, in order, with hashes. It changes only when the lot gets a record: the
        ETag is the lot's latest record hash, so a cache revalidates (``If-None-Match`` → 304)."""
        views = ledger.history(lot_id)
        headers = {"ETag": f'"{views[-1].record_hash}"', "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return JSONResponse({"lot_id": lot_id, "records": [v.to_json() for v in views]}, headers=headers)

    @app.get(f"{API}/lots/{{lot_id}}/verify", response_model=models.VerificationOut, responses=errors)
    def verify_lot(
        lot_id: str,
        ancestors: bool = Query(True, description="also verify every lot this lot was made from"),
    ) -> JSONResponse:
        """Re-check every hash, link and signature of the lot (and its ancestors)."""
        body: dict[str, Any] = {"lot_id": lot_id, "ancestors": ancestors}
        try:
            report = ledger.verify(lot_id, ancestors=ancestors)
        except ChainBrokenError as exc:
            brk = exc.brk
            failure = {**brk.__dict__, "message": brk.sentence()}
            return JSONResponse({**body, "intact": False, "failure": failure})
        return JSONResponse({**body, "intact": True, "records": report.records, "lots": list(report.lots)})

    def lineage(lot_id: str, direction: str) -> dict[str, Any]:
        lots = ledger.lineage(lot_id, direction)
        return {"lot_id": lot_id, direction: [{"lot_id": i.lot_id, "kind": i.kind, "depth": i.depth} for i in lots]}

    @app.get(f"{API}/lots/{{lot_id}}/ancestors", response_model=models.LineageOut, responses=errors)
    def ancestors(lot_id: str) -> dict[str, Any]:
        """Every lot this lot was made from, transitively, nearest first: back to the plots."""
        return lineage(lot_id, "ancestors")

    @app.get(f"{API}/lots/{{lot_id}}/descendants", response_model=models.LineageOut, responses=errors)
    def descendants(lot_id: str) -> dict[str, Any]:
        """Every lot made from this lot, transitively, nearest first. For a recall: every batch and box
        downstream of a contaminated harvest, in one call."""
        return lineage(lot_id, "descendants")

    @app.get(
        f"{API}/lots/{{lot_id}}/bundle",
        responses={200: {"content": {"application/json": {}}, "description": "docs/FORMAT.md bundle"}, **errors},
    )
    def lot_bundle(lot_id: str, request: Request) -> Response:
        """The lot's offline proof bundle: its history and its ancestors', with inclusion proofs into one
        checkpoint. Built again only when the log has grown (every scan page fetches it); an ETag lets
        browsers and CDNs revalidate with ``If-None-Match`` instead of downloading it again."""
        state = ledger.log_state()
        cached = bundles.get(lot_id)
        if cached is None or cached[0] != state:
            data = ledger.bundle(lot_id).to_bytes()
            if len(bundles) >= BUNDLE_CACHE_LOTS:
                bundles.pop(next(iter(bundles)))
            # compressed once per log state (a third of the size, for phones on a weak connection)
            packed, digest = gzip.compress(data, 9, mtime=0), hashlib.sha256(data).hexdigest()[:32]
            cached = bundles[lot_id] = (state, data, packed, digest)
        _, data, packed, digest = cached
        zipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
        etag = f'"{digest}-gzip"' if zipped else f'"{digest}"'  # one ETag per representation (RFC 9110 §8.8.3)
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        if zipped:
            return Response(packed, media_type="application/json", headers={**headers, "Content-Encoding": "gzip"})
        return Response(data, media_type="application/json", headers=headers)

    def findings_out(found: Sequence[StoredFinding]) -> list[dict[str, Any]]:
        config = rules_config()
        return [
            {
                "log_index": f.log_index,
                "lot_id": f.lot_id,
                "rule": f.rule,
                "severity": f.severity,
                "public": bool(config.get(f.rule, {}).get("public", False)),
                "title": str(config.get(f.rule, {}).get("title", f.rule)),
                "title_zh": str(config.get(f.rule, {}).get("title_zh", f.rule)),
                "pointer": f.pointer,
                "limit": f.limit,
                "value": f.value,
                "message": f.message,
                "message_zh": f.message_zh,
                "found_at": f.found_at,
            }
            for f in found
        ]

    @app.get(f"{API}/lots/{{lot_id}}/findings", response_model=models.FindingsOut, responses=errors)
    def lot_findings(
        lot_id: str,
        ancestors: bool = Query(True, description="also every lot this lot was made from (a box: back to its plots)"),
    ) -> dict[str, Any]:
        """What the soft rules found in the lot's events (and its ancestors'): stored when each event was
        appended, never dropped; `ginseng-trace check` recomputes them from the records."""
        found = ledger.findings(lot_id, ancestors=ancestors)
        return {"lot_id": lot_id, "ancestors": ancestors, "findings": findings_out(found)}

    @app.get(f"{API}/findings", response_model=models.FindingsOut, responses=errors)
    def all_findings(rule: str | None = Query(None, description="only this rule's findings")) -> dict[str, Any]:
        """Every stored finding in the ledger, in log order (for regulators)."""
        return {"lot_id": None, "ancestors": False, "findings": findings_out(ledger.findings(rule=rule))}

    @app.get(f"{API}/rules")
    def rules() -> dict[str, Any]:
        """The rules in force: each rule's severity, thresholds and source (schemas/rules.yaml)."""
        return dict(rules_config())

    @app.get(f"{API}/event-types", response_model=list[models.EventTypeOut])
    def list_event_types() -> list[dict[str, str]]:
        return [{"type": name, "description": text} for name, text in event_types().items()]

    @app.get(f"{API}/schemas")
    def schemas() -> dict[str, Any]:
        """The event catalogue: every event type's payload schema (JSON Schema 2020-12, titles in English
        and Chinese, units in ``x-unit``, a documented example in ``examples``). Also in docs/EVENTS.md."""
        return {name: dict(s.schema) for name, s in catalogue().items()}

    known_types = {"enum": sorted(catalogue())}

    @app.get(f"{API}/schemas/{{event_type}}", responses=errors)
    def schema(event_type: str = FastAPIPath(json_schema_extra=known_types)) -> dict[str, Any]:
        """One event type's payload schema."""
        return dict(check_event_type(event_type, "/event_type").schema)

    text_note = {"content": {"text/plain": {}}, "description": "a C2SP signed note"}

    def note_response(note: str) -> PlainTextResponse:
        return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})

    octets: dict[int | str, dict[str, Any]] = {
        200: {"content": {"application/octet-stream": {}}, "description": "C2SP tlog-tiles resource"}
    }

    @app.get(f"{API}/log/tile/{{level}}/{{path:path}}", response_class=Response, responses={**octets, **errors})
    def tile(
        level: str = FastAPIPath(pattern=r"^(0|[1-9]|[1-5][0-9]|6[0-3]|entries)$", description="0-63 or entries"),
        path: str = FastAPIPath(pattern=TILE_PATH, description="x001/x234/067, optionally .p/<width 1-255>"),
    ) -> Response:
        """C2SP tlog-tiles, with prefix ``/api/v1/log``: ``tile/<L>/<N>[.p/<W>]`` (hashes) and
        ``tile/entries/<N>[.p/<W>]`` (record bytes, uint16-length-prefixed). Immutable: cache them forever."""
        index, width = _tile_path(path)
        if level == "entries":
            return Response(ledger.entry_bundle(index, width), media_type="application/octet-stream", headers=IMMUTABLE)
        if not _TILE_LEVEL.fullmatch(level):
            raise MalformedError(FieldProblem("/level", "a tile level is 0 to 63 without leading zeros, or 'entries'"))
        body = ledger.tile(int(level), index, width)
        return Response(body, media_type="application/octet-stream", headers=IMMUTABLE)

    @app.get(f"{API}/log/keys", response_model=list[models.LogKeyOut])
    def log_keys() -> list[dict[str, str | None]]:
        """Every key the log has signed checkpoints with, and when (trust them only as configured out of band)."""
        return [period.to_json() for period in ledger.log_keys()]

    @app.get(f"{API}/log/checkpoint", response_class=PlainTextResponse, responses={200: text_note, **errors})
    def latest_checkpoint() -> PlainTextResponse:
        """The latest signed checkpoint (C2SP tlog-checkpoint), with any witness cosignatures."""
        return note_response(_cosigned(ledger.latest_checkpoint()))

    @app.post(f"{API}/log/checkpoint", response_class=PlainTextResponse, responses={200: text_note, **errors})
    def publish_checkpoint() -> PlainTextResponse:
        """Publish a checkpoint of the whole log now (returns the latest one if nothing was appended since)."""
        return note_response(_cosigned(ledger.publish_checkpoint()))

    @app.get(f"{API}/log/checkpoints/{{size}}", response_class=PlainTextResponse, responses={200: text_note, **errors})
    def checkpoint_of_size(size: int = FastAPIPath(ge=0, le=MAX_TREE_SIZE)) -> PlainTextResponse:
        """The checkpoint the log signed at tree size ``size`` (immutable once signed; cosignatures may be added)."""
        note = _cosigned(ledger.checkpoint(size))
        # the signed text never changes; witnesses' cosignatures may still be added, so caches keep it briefly
        return PlainTextResponse(
            note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "public, max-age=300"}
        )

    @app.post(
        f"{API}/log/cosignatures",
        response_class=PlainTextResponse,
        responses={200: text_note, **errors},
        openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def add_cosignatures(
        request: Request, size: int = Query(ge=0, le=MAX_TREE_SIZE, description="the cosigned checkpoint's size")
    ) -> Any:
        """Attach witness cosignature lines (a tlog-witness add-checkpoint response body) to a checkpoint.
        Only witnesses configured in TRACE_WITNESS_KEYS are accepted. Returns the cosigned checkpoint."""
        body = await request.body()
        try:
            lines = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedError(FieldProblem("", "cosignature lines must be UTF-8 text")) from None
        await asyncio.to_thread(ledger.add_cosignatures, size, lines)
        return note_response(_cosigned(ledger.checkpoint(size)))

    @app.get(f"{API}/log/inclusion/{{digest}}", response_model=models.InclusionOut, responses=errors)
    def inclusion(
        digest: str = FastAPIPath(pattern=DIGEST, description="a record hash or event hash"),
        size: int | None = Query(None, ge=0, le=MAX_TREE_SIZE, description="tree size; default: a checkpoint"),
    ) -> JSONResponse:
        """The proof that a record (by record or event hash) is in the log, with the checkpoint it verifies
        against. With ``size`` the answer is immutable."""
        fixed = size is not None
        view = ledger.record(digest)
        if size is None:
            checkpoint = ledger.covering_checkpoint(view.log_index + 1)
            size, note = checkpoint.size, _cosigned(checkpoint)
        else:
            note = None
        proof = ledger.inclusion_proof(view.log_index, size)
        body = {
            "log_index": view.log_index,
            "tree_size": size,
            "record_hash": view.record_hash,
            "leaf_hash": base64.b64encode(leaf_hash(view.stored.record_bytes)).decode(),
            "proof": [base64.b64encode(p).decode() for p in proof],
            "checkpoint": note,
        }
        return JSONResponse(body, headers=IMMUTABLE if fixed else {"Cache-Control": "no-cache"})

    @app.get(f"{API}/log/consistency", response_model=models.ConsistencyOut, responses=errors)
    def consistency(
        first: int = Query(alias="from", ge=0, le=MAX_TREE_SIZE, description="the smaller tree size"),
        second: int = Query(alias="to", ge=0, le=MAX_TREE_SIZE, description="the larger tree size"),
    ) -> JSONResponse:
        """The proof that the tree of ``from`` leaves is a prefix of the tree of ``to`` leaves (RFC 9162
        §2.1.4): immutable."""
        proof = ledger.consistency_proof(first, second)
        body = {"from": first, "to": second, "proof": [base64.b64encode(p).decode() for p in proof]}
        return JSONResponse(body, headers=IMMUTABLE)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (models.SignedEventIn, models.DevEventIn):
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(doc.pop("$defs", {}))
                components[model.__name__] = doc
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
