"""C2SP tlog-tiles: the tree served as immutable tiles, from which a client rebuilds the signed root."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.api.routes.log import tile_index as _tile_path
from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.merkle import leaf_hash, range_hash, root_hash
from ginseng_trace.chain.monitor import tile_path
from ginseng_trace.chain.note import open_checkpoint
from ginseng_trace.service import NotFoundError, Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, enrol

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
SIZE = 600  # two full level-0 tiles, a partial one of width 88, and a partial level-1 tile of width 2
ENROLMENT = 3  # the grower's membership records, the first entries of the log


def test_tile_paths() -> None:
    assert tile_path(1234067) == "x001/x234/067"
    assert _tile_path("x001/x234/067") == (1234067, None)
    assert _tile_path("067.p/12") == (67, 12)
    assert _tile_path("x001/000") == (1000, None)
    assert _tile_path("x999/x999/x999/x999/x999/x999/999.p/255") == (10**21 - 1, 255)
    non_canonical = ("67", "0067", "x001/067/x234", "067.p/0", "067.p/256", "067.p/012", "x01/067", "x000/067")
    for bad in (
        *non_canonical,
        "x000/x001/067",
        "067.p/",
        "067/",
        "/067",
        "067.P/1",
        "x1/x001/000",
        "x001/x002/x003/x004/x005/x006/x007/000",
    ):
        with pytest.raises(NotFoundError):
            _tile_path(bad)


@pytest.fixture
def client(engine: Engine) -> Iterator[httpx.Client]:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    grower = Actor("test-grower")
    enrol(ledger, grower)
    ledger.events.append_batch(
        [
            grower.sign(f"LOT-{i % 7}", "register_plot" if i < 7 else "field_operation", payload={"note": str(i)})
            for i in range(SIZE - ENROLMENT)
        ]
    )
    ledger.checkpointer.publish()
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url + "/api/v1/log") as client:
        yield client


def test_a_client_rebuilds_the_checkpoint_root_from_tiles(client: httpx.Client) -> None:
    checkpoint, _, _ = open_checkpoint(client.get("/checkpoint").text, [LOG.verifier()])
    assert checkpoint.size == SIZE
    fetched: dict[str, bytes] = {}

    def get(path: str) -> bytes:
        if path not in fetched:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            fetched[path] = response.content
        return fetched[path]

    def tile(level: int, index: int) -> list[bytes]:
        """Tile ``index`` at ``level`` as the checkpoint's size requires it: full, or partial."""
        full, partial = divmod(checkpoint.size // 256**level, 256)
        data = get(
            f"/tile/{level}/{tile_path(index)}" if index < full else f"/tile/{level}/{tile_path(index, partial)}"
        )
        return [data[i : i + 32] for i in range(0, len(data), 32)]

    def node(level: int, index: int) -> bytes:
        """A complete subtree's hash, from the tile holding its 2**(level % 8) descendants at level 8*(level//8)."""
        tile_level, height = divmod(level, 8)
        first = index << height
        hashes = tile(tile_level, first // 256)
        offset = first % 256
        return root_hash(hashes[offset : offset + (1 << height)]) if height else hashes[offset]

    assert range_hash(0, SIZE, node) == checkpoint.root
    # the entry bundles hash to the level-0 tiles
    leaves = []
    for index, width in ((0, None), (1, None), (2, 88)):
        bundle = get(f"/tile/entries/{tile_path(index, width)}")
        while bundle:
            length = int.from_bytes(bundle[:2], "big")
            leaves.append(leaf_hash(bundle[2 : 2 + length]))
            bundle = bundle[2 + length :]
    assert leaves == tile(0, 0) + tile(0, 1) + tile(0, 2)
    # a level-1 hash is the root of the full level-0 tile below it
    assert tile(1, 0)[1] == root_hash(tile(0, 1))


def test_tiles_beyond_the_checkpoint_or_malformed_are_refused(client: httpx.Client) -> None:
    assert client.get(f"/tile/0/{tile_path(2)}").status_code == 404  # full tile not yet complete
    assert client.get(f"/tile/0/{tile_path(2, 89)}").status_code == 404  # wider than the checkpoint
    assert client.get(f"/tile/1/{tile_path(0)}").status_code == 404
    assert client.get(f"/tile/entries/{tile_path(3, 1)}").status_code == 404
    body = client.get("/tile/0/000").content
    assert len(body) == 8192


@pytest.mark.slow
def test_each_tile_has_one_url(client: httpx.Client) -> None:
    """C2SP tlog-tiles: only the canonical path names a tile or an entry bundle; any other spelling of the
    same resource (leading zeros in the level or the index, an x000 group, a full tile as .p/256, a width
    with leading zeros or out of range) is 404, on HEAD too."""
    assert client.get("/tile/0/001").status_code == 200
    assert client.get("/tile/0/002.p/88").status_code == 200
    assert client.get("/tile/1/000.p/2").status_code == 200
    assert client.get("/tile/entries/001").status_code == 200
    for path in (
        "/tile/00/001",
        "/tile/01/000.p/2",
        "/tile/64/000",
        "/tile/+1/000.p/2",
        "/tile/0/1",
        "/tile/0/01",
        "/tile/0/0001",
        "/tile/0/x000/001",
        "/tile/0/000.p/256",
        "/tile/0/002.p/088",
        "/tile/0/002.p/0",
        "/tile/0/002.p/300",
        "/tile/0/001/",
        "/tile/0/001.p/",
        "/tile/entries/01",
        "/tile/entries/x000/001",
        "/tile/entries/000.p/256",
        "/tile/entries/002.p/088",
        "/tile/Entries/001",
    ):
        for answer in (client.get(path), client.head(path)):
            assert answer.status_code == 404, (path, answer.request.method)
        assert client.get(path).headers["content-type"].startswith("application/problem+json")
    head = client.head("/tile/0/001")
    assert head.status_code == 200
    assert head.headers["content-length"] == "8192"
    assert head.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert head.content == b""
    checkpoint = client.head("/checkpoint")
    assert (checkpoint.status_code, checkpoint.content) == (200, b"")
    assert int(checkpoint.headers["content-length"]) == len(client.get("/checkpoint").content)
