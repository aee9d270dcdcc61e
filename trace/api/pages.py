"""The people's pages, rendered: a lot's public page (and its JSON) and the problem pages a scan can meet.

The page's facts are the lot's public history as far as the log's latest checkpoint covers it, the same
records the proof bundle proves, so the script on the page verifies exactly what the page shows.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..events.findings import Finding
from ..events.movements import child_holding
from ..events.public import JOURNEY_TYPES, PROCESS_NAMES, PublicHistory
from ..events.rules import rules_config
from ..service import Services
from .dependencies import Caches
from .problems import PROBLEM_JSON, document

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
STATIC = Path(__file__).parent / "static"
JOURNEY_NAMES = {
    "ship": ("发运", "shipped"),
    "receive": ("收货", "received"),
    "store": ("贮藏", "stored"),
    "sell": ("销售", "sold"),
}
PAGE_NAMES = {**PROCESS_NAMES, "package": ("包装", "packed")}
assert set(JOURNEY_NAMES) == set(JOURNEY_TYPES)  # noqa: S101 - a programming error, caught at import
UNKNOWN = (
    ("未登记：可能是假冒产品", "Not registered: possibly counterfeit"),
    (
        "此码在人参溯源账本中没有记录。请勿购买或食用，并向商家或监管部门反映。",
        "This code has no record in the Ginseng Trace ledger. Do not buy or eat the product; "
        "report it to the seller or the regulator.",
    ),
)
BEING_LOGGED = (
    ("刚刚登记，正在记入日志", "Just recorded: being logged"),
    (
        "此批次的记录刚刚写入账本，尚未进入已签名的日志检查点。请几秒钟后再扫码。",
        "This lot's records were just written to the ledger and are not in a signed log checkpoint yet. "
        "Scan again in a few seconds.",
    ),
)


def subresource_integrity(script: bytes) -> str:
    """The W3C Subresource Integrity value of a script (``sha384-`` and the base64 digest): the page names
    the exact bytes it runs, so a cache or CDN that altered the verifier would have it refused by the browser,
    and an auditor can compare the value with the script they read (README lists it)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(script).digest()).decode()


VERIFY_FALLBACK = "vendor/noble-ed25519-3.2.0-hashes-2.4.0.js"
"""The verifier's SHA-256 and Ed25519 where WebCrypto lacks them (``scripts/vendor_js.sh``, ``verify-crypto.js``)."""
INTEGRITY = {path.name: subresource_integrity(path.read_bytes()) for path in STATIC.glob("*.js")}
INTEGRITY[VERIFY_FALLBACK] = subresource_integrity((STATIC / VERIFY_FALLBACK).read_bytes())
TEMPLATES.globals["sri"] = INTEGRITY  # every page pins the scripts it loads by their digest
TEMPLATES.globals["verify_fallback"] = VERIFY_FALLBACK


def wants_english(request: Request) -> bool:
    lang = request.query_params.get("lang")
    if lang:
        return lang.lower().startswith("en")
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].strip().lower()
    return first.startswith("en")


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem_page(
    request: Request,
    status: int,
    title: tuple[str, str],
    detail: tuple[str, str],
    code: str,
    headers: dict[str, str] | None = None,
    *,
    part: str | None = None,
) -> Response:
    """A scan's problem as a page in the reader's language, or as a problem document to a JSON client
    (``part``: the part of the code at fault, e.g. an AI, ``path`` or ``query``)."""
    zh = not wants_english(request)
    if wants_json(request) or request.headers.get("accept", "").startswith(PROBLEM_JSON):
        extra = {"code": code} if part is None else {"code": code, "part": part}
        body = document(status, title[1], detail[1], extra=extra)
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    headers = {**(headers or {}), "Content-Language": "zh" if zh else "en", "Vary": "Accept, Accept-Language"}
    query = dict(request.query_params)
    query["lang"] = "en" if zh else "zh"
    html = TEMPLATES.get_template("problem.html").render(
        zh=zh,
        title=title[0 if zh else 1],
        detail=detail[0 if zh else 1],
        code=code,
        other_lang_url=f"{request.url.path}?{urlencode(query)}",
    )
    return HTMLResponse(html, status_code=status, headers=headers)


@dataclass(frozen=True)
class LotView:
    """What every scan of a lot shows until the log changes: computed once, reused."""

    history: PublicHistory
    verified: bool
    findings: list[Finding]
    log_keys: str  # JSON list of the log's verifier keys, for the page's own verifier
    size: int  # the tree size the history was read at: every record below it is in the history
    unlogged_status: tuple[str, str] | None = None
    """A hold or recall recorded after the latest checkpoint (status, reason): shown at once, marked as not
    yet checkable on the device, so that no shopper misses a recall while the log catches up."""
    problems: tuple[str, ...] = ()
    """What the server's own check found wrong (``Checks.audit``: the records and the log), one sentence each."""


def serial_holder(services: Services, caches: Caches, lot_id: str, serial: str) -> str:
    """The lot that holds the unit labelled with lot ``lot_id`` and ``serial`` now: the lot itself, or the lot
    that serial was split off into, and so on down; each lot's splits read once per change of the log."""
    state, seen = services.log.state(), set()
    while lot_id not in seen:
        seen.add(lot_id)
        found = caches.splits.get(lot_id, version=state)
        splits = found if found is not None else caches.splits.put(lot_id, services.records.split_off(lot_id), state)
        child = child_holding(splits, serial)
        if child is None:
            break
        lot_id = child
    return lot_id


def lot_view(services: Services, caches: Caches, lot_id: str) -> LotView:
    """The lot's public history up to the latest checkpoint, the server's verification of it, its public
    findings and the log's keys: computed again whenever the log has changed (``TransparencyLog.state``: at
    once for this process's changes, within a second for others') or a minute has passed. A ledger without a
    log key (tests, tools) shows every record."""
    state = services.log.state()

    def build() -> LotView:
        size = state[1] if services.log_signer is not None else state[0]
        history = services.records.public_history(lot_id, before=size if services.log_signer else None)
        audit = services.checks.audit(lot_id)
        problems = tuple(p.sentence() for p in audit.problems)
        config = rules_config()
        found = services.records.findings(lot_id, ancestors=True)
        public = [f for f in found if config.get(f.rule, {}).get("public")]
        log_keys = json.dumps([period.key.text() for period in services.log.signing_keys()])
        unlogged = None
        if services.log_signer is not None and state[0] > size:  # records newer than the checkpoint
            newest = services.records.public_history(lot_id)
            if newest.status is not None and newest.status != history.status:
                unlogged = (newest.status, newest.status_reason or "")
        return LotView(history, audit.intact, public, log_keys, size, unlogged, problems)

    view: LotView = caches.views.get_or_make(lot_id, build, version=state)
    return view
