"""JSON Pointer (RFC 6901): the one way fields are named in refusals, from the rules to the HTTP problem."""

from __future__ import annotations

from collections.abc import Iterable


def pointer(tokens: Iterable[object], base: str = "") -> str:
    """The pointer to ``tokens`` under ``base`` (each token escaped: ``~`` as ``~0``, ``/`` as ``~1``)."""
    return base + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
