"""Addresses people type or scan: the public base address, and QR codes for links."""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup


def public_base() -> str:
    """Where staff reach Boundary: BOUNDARY_PUBLIC_URL behind a proxy, else this request's host."""
    return str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def shown_address(url: str) -> str:
    """An address as people type it: without the scheme."""
    return url.split("://", 1)[-1]


def qr_svg(link: str, label: str) -> Markup:
    """A QR code as inline SVG that scales to its box; no style attributes (CSP)."""
    import segno  # only pages that show a code need it (its SVG writer pulls in xml.sax)

    code = segno.make(link, error="m")
    return Markup(code.svg_inline(dark="#0b0c0c", omitsize=True, title=label))
