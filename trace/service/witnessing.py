"""Witnesses, the log's side: taking their cosignatures, and asking them for cosignatures (C2SP tlog-witness)."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from ..chain.errors import Error, FieldProblem, MalformedError
from ..chain.keys import VerifierKey
from ..chain.note import Note, NoteError, NoteSignature, Verified, verify_note
from ..chain.witness import request_body
from ..store import LedgerRepository, Store
from .errors import RefusedError
from .log import TransparencyLog


class Cosignatures:
    """Attaches witnesses' cosignatures to the log's checkpoints; only configured witnesses are accepted."""

    def __init__(self, store: Store, log: TransparencyLog, witness_keys: Sequence[VerifierKey] = ()) -> None:
        self.store = store
        self.log = log
        self.witness_keys = tuple(witness_keys)

    def add(self, size: int, lines: str) -> list[Verified]:
        """Attach witness cosignature lines (tlog-witness response body) to the checkpoint of ``size``.

        Each line must be a valid cosignature of that checkpoint by a configured witness key; lines by
        unknown keys are refused, since nobody could check them."""
        checkpoint = self.log.checkpoint(size)
        try:
            note = Note.parse(checkpoint.note)
            extra = [NoteSignature.parse_line(line) for line in lines.splitlines() if line]
        except NoteError as exc:
            raise MalformedError(FieldProblem("", exc.diagnostics())) from None
        if not extra:
            raise MalformedError(FieldProblem("", "no cosignature lines"))
        known = {(k.name, k.key_id): k for k in self.witness_keys}
        verified: list[Verified] = []
        for signature in extra:
            key = known.get((signature.name, signature.key_id))
            if key is None:
                raise RefusedError("", f"{signature.name} is not a witness this log accepts")
            try:
                [one] = verify_note(Note(note.text, (signature,)), [key])
            except NoteError as exc:
                raise MalformedError(FieldProblem("", exc.diagnostics())) from None
            verified.append(one)

        def store(repo: LedgerRepository) -> None:
            for signature, one in zip(extra, verified, strict=True):
                repo.log.add_cosignature(size, one.key.name, signature.line(), one.timestamp or 0)

        try:
            self.store.write(store)
        finally:
            self.log.changed()
        return verified


class WitnessPusher:
    """The log's side of tlog-witness: send the latest checkpoint to witnesses' ``add-checkpoint``
    and attach the cosignatures they return. Any C2SP witness will do, ours (``witness-serve``) too.

    The log remembers the size each witness last cosigned; when it does not know (a restart, a new
    witness) it sends ``old 0`` and learns the witness's size from the 409 answer, as the protocol
    intends."""

    def __init__(
        self, log: TransparencyLog, cosignatures: Cosignatures, urls: Sequence[str], http: httpx.Client
    ) -> None:
        self.log = log
        self.cosignatures = cosignatures
        self.urls = [u.rstrip("/") for u in urls]
        self.http = http
        self._sizes: dict[str, int] = {}

    def push(self, url: str) -> int:
        """Ask one witness to cosign the latest checkpoint; returns the cosigned size."""
        checkpoint = self.log.latest_checkpoint()
        old = self._sizes.get(url, 0)
        for _ in range(2):
            proof = self.log.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
            answer = self.http.post(f"{url}/add-checkpoint", content=request_body(old, proof, checkpoint.note))
            if answer.status_code == 409 and answer.headers.get("content-type", "").startswith("text/x.tlog.size"):
                old = int(answer.text.strip())
                if old > checkpoint.size:
                    raise Error(f"witness {url} has cosigned size {old}, larger than this log's {checkpoint.size}")
                continue
            if answer.status_code != 200:
                raise Error(f"witness {url} answered {answer.status_code}: {answer.text.strip()[:200]}")
            self.cosignatures.add(checkpoint.size, answer.text)
            self._sizes[url] = checkpoint.size
            return checkpoint.size
        raise Error(f"witness {url} keeps changing its size")

    def push_all(self) -> list[str]:
        """Push to every witness; one line per witness saying what happened (a failing witness never stops the rest)."""
        report = []
        for url in self.urls:
            try:
                report.append(f"{url}: cosigned size {self.push(url)}")
            except (Error, httpx.HTTPError) as exc:
                report.append(f"{url}: {exc}")
        return report
