"""The app's lifespan: while it serves, the checkpointer signs on a timer and witnesses are asked to
cosign; on shutdown, the scans not yet written are written."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from fastapi import FastAPI

from ..events.readings import load_readings
from ..service import Services
from ..service.witnessing import WitnessPusher

logger = logging.getLogger("ginseng_trace.api")


async def _checkpoint_loop(services: Services, interval: float, pusher: WitnessPusher) -> None:
    pushed = -1
    while True:
        await asyncio.sleep(interval)
        try:
            checkpoint = await asyncio.to_thread(services.checkpointer.publish)
            if pusher.urls and checkpoint.size != pushed:
                for line in await asyncio.to_thread(pusher.push_all):
                    logger.info("witness %s", line)
                pushed = checkpoint.size
        except Exception:  # keep publishing; the next round will retry
            logger.exception("publishing a checkpoint failed")


def lifespan(
    services: Services, seconds: float | None, witness_urls: Sequence[str]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Publish a checkpoint every ``seconds`` if the log grew, and ask the witnesses at ``witness_urls``
    (C2SP tlog-witness) to cosign each new one; on shutdown, write the scans not yet written. Before serving,
    the names' readings are loaded."""

    @asynccontextmanager
    async def serving(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(load_readings)  # the English pages' readings, loaded before the first asks
        try:
            if not seconds or services.log_signer is None:
                yield
                return
            with httpx.Client(timeout=10) as http:
                pusher = WitnessPusher(services.log, services.cosignatures, witness_urls, http)
                task = asyncio.create_task(_checkpoint_loop(services, seconds, pusher))
                try:
                    yield
                finally:
                    task.cancel()
        finally:
            await asyncio.to_thread(services.scans.close)

    return serving
