"""The HTTP API (FastAPI): routes parse, call one use case, and render."""

from .app import create_app

__all__ = ["create_app"]
