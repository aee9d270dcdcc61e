"""Security headers on every answer (pages, API, static files, problem documents, the 503 of load shedding).

The Content-Security-Policy allows what the pages do today and what they may add without asking: scripts
only from this origin (``'self'``: every page loads its scripts from ``/static`` with SRI, none inline, no
``eval``), images from this origin, ``data:`` and ``blob:`` (a photo of a QR code, an SVG icon), fetches to
this origin and to the trust-anchor document's origin (``TRACE_TRUST_ANCHORS_URL``, which the scan page
fetches), workers and the manifest from this origin, forms posting here only, no plugins, no ``<base>``, and
no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers). Styles: this
origin and ``'unsafe-inline'``, because the templates carry ``<style>`` blocks and ``style`` attributes (the
console's bars, the lineage SVG) that other pages keep adding; an inline style cannot run code, so the cost
is style injection only where an attacker could already inject markup, which the templates' escaping stops.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(trust_anchors_url: str | None = None) -> str:
    connect = "'self'"
    if trust_anchors_url:
        parts = urlsplit(trust_anchors_url)
        connect += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            f"connect-src {connect}",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Add the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, trust_anchors_url: str | None = None) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(trust_anchors_url).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
