"""The regulator's witness: keeps the last checkpoint it cosigned per log, checks every new one
for consistency with it, cosigns, and refuses (with both checkpoints as evidence) a split view.

Two ways to use it, one decision (``ginseng_trace.chain.witness``):

* pull: ``ginseng-trace witness`` fetches the log's latest checkpoint and a consistency
  proof from the log's HTTP API, decides, and submits its cosignature back to the log;
* push: ``ginseng-trace witness-serve`` answers C2SP tlog-witness ``POST /add-checkpoint``,
  so this log, or any other that speaks the protocol, can ask it for cosignatures.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .chain.errors import Error
from .chain.keys import ALG_COSIGNATURE, SignerKey, VerifierKey
from .chain.note import cosign
from .chain.witness import (
    Cosigned,
    WitnessRefusal,
    check_add_checkpoint,
    parse_add_checkpoint,
    request_body,
)

Clock = Callable[[], float]


class WitnessState:
    """The witness's memory, one JSON file: per origin, the last cosigned checkpoint.

    Checking a request and recording its checkpoint happen under an exclusive file lock,
    so two concurrent requests can never roll the witness back (tlog-witness's race)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Cosigned]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return {}
        raw = json.loads(self.path.read_text())
        return {o: Cosigned(v["size"], base64.b64decode(v["root"]), v["note"]) for o, v in raw.items()}

    def _write(self, state: Mapping[str, Cosigned]) -> None:
        data = {
            origin: {"size": c.size, "root": base64.b64encode(c.root).decode(), "note": c.note}
            for origin, c in state.items()
        }
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, self.path)

    @contextmanager
    def locked(self) -> Iterator[dict[str, Cosigned]]:
        """The state, locked; changes made to the dict are saved when the block ends without error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(self.path.suffix + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read()
            before = dict(state)
            yield state
            if state != before:
                self._write(state)

    def latest(self, origin: str) -> Cosigned | None:
        with self.locked() as state:
            return state.get(origin)


@dataclass
class Witness:
    """A witness: its cosigning key, the logs it follows (origin -> the log's keys) and its state."""

    signer: SignerKey
    logs: Mapping[str, Sequence[VerifierKey]]
    state: WitnessState
    evidence_dir: Path
    clock: Clock = time.time

    def __post_init__(self) -> None:
        if self.signer.alg != ALG_COSIGNATURE:
            raise Error(f"witness key {self.signer.name} must be a cosigner (type 0x04) key: keygen --cosigner")

    def add_checkpoint(self, body: bytes) -> str:
        """tlog-witness add-checkpoint: the cosignature line, or :class:`WitnessRefusal`."""
        request = parse_add_checkpoint(body)
        origin = request.checkpoint.origin
        with self.state.locked() as state:
            latest = state.get(origin)
            try:
                checkpoint = check_add_checkpoint(request, self.logs, latest)
            except WitnessRefusal as refusal:
                if refusal.split_view and latest is not None:
                    self.keep_evidence(origin, latest.note, request.note.to_text(), refusal)
                raise
            state[origin] = Cosigned(checkpoint.size, checkpoint.root, request.note.to_text())
        return cosign(checkpoint.text(), self.signer, int(self.clock())).line()

    def keep_evidence(self, origin: str, cosigned: str, offered: str, refusal: WitnessRefusal) -> Path:
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        name = f"split-view-{int(self.clock())}-{origin.replace('/', '_')}-{uuid.uuid4().hex[:8]}.json"
        path = self.evidence_dir / name
        path.write_text(json.dumps({"reason": str(refusal), "cosigned": cosigned, "offered": offered}, indent=1) + "\n")
        refusal.evidence = str(path)
        return path


def pull_once(witness: Witness, log_url: str, http: httpx.Client) -> str:
    """Fetch the log's latest checkpoint and a proof from what this witness cosigned, decide, and
    submit the cosignature to the log. Returns a one-line report; raises :class:`WitnessRefusal`."""
    api = log_url.rstrip("/") + "/api/v1/log"
    response = http.get(f"{api}/checkpoint")
    if response.status_code != 200:
        raise Error(f"the log answered {response.status_code} for its checkpoint")
    signed = response.text
    offered = parse_add_checkpoint(request_body(0, [], signed)).checkpoint
    latest = witness.state.latest(offered.origin)
    old = latest.size if latest else 0
    proof: list[bytes] = []
    if latest is not None and old > offered.size:
        refusal = WitnessRefusal(
            409, f"split view: the log's tree shrank from cosigned size {old} to {offered.size}", split_view=True
        )
        witness.keep_evidence(offered.origin, latest.note, signed, refusal)
        raise refusal
    if 0 < old < offered.size:
        got = http.get(f"{api}/consistency", params={"from": old, "to": offered.size})
        if got.status_code != 200:
            raise Error(f"the log answered {got.status_code} for a consistency proof {old} -> {offered.size}")
        proof = [base64.b64decode(p) for p in got.json()["proof"]]
    line = witness.add_checkpoint(request_body(old, proof, signed))
    submitted = http.post(
        f"{api}/cosignatures", params={"size": offered.size}, content=line, headers={"content-type": "text/plain"}
    )
    if submitted.status_code != 200:
        raise Error(f"the log refused the cosignature ({submitted.status_code}): {submitted.text[:200]}")
    return f"cosigned {offered.origin} at tree size {offered.size}"


def witness_app(witness: Witness) -> Starlette:
    """The C2SP tlog-witness HTTP interface: ``POST /add-checkpoint``."""

    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        try:
            line = await asyncio.to_thread(witness.add_checkpoint, body)
        except WitnessRefusal as refusal:
            if refusal.status == 409 and refusal.latest_size is not None:
                return PlainTextResponse(f"{refusal.latest_size}\n", 409, media_type="text/x.tlog.size")
            return PlainTextResponse(str(refusal) + "\n", refusal.status)
        return PlainTextResponse(line, 200)

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])
