"""Where Boundary is served, as other devices reach it, and whether its forms can work there.

`make run HOST=0.0.0.0 PORT=8080` used to print, project and QR-code `http://0.0.0.0:8080`,
which no other device can open; and over plain HTTP on a network address every form failed
("this page has expired"), because browsers keep a Secure cookie from plain-HTTP pages
except on localhost. So:
  - 0.0.0.0 (or ::, every address) is shown as this machine's own address on its network;
  - `make run` remembers the address in instance/public_url, so commands run later by hand
    (`links`, `create-round`, `demo`) print the links the app is really served on;
  - serving over plain HTTP on an address other than localhost warns at start-up, naming
    the settings that fix it.

Runs as a script with only the standard library, before the virtual environment exists:
    python3 surveys/serving.py HOST PORT      # prints the address others can reach
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from flask import Flask

EVERY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104  (what a person types to serve everywhere)
REMEMBERED = "public_url"  # in the instance folder
DEFAULT_URL = "http://127.0.0.1:5000"


def lan_address() -> str:
    """This machine's address on the network its default route leaves by (no packet is
    sent: connecting a UDP socket only picks the route). Loopback if there is none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routed like the internet, never used
            address: str = probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
    return address


def reachable_url(host: str, port: int | str) -> str:
    """The address to print for a server listening on `host`: its own LAN address when it
    listens on every address."""
    shown = lan_address() if host in EVERY_ADDRESS else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def is_local(url: str) -> bool:
    """Served only to this machine (where browsers accept Secure cookies over http)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(url: str, cookie_secure: bool) -> str | None:
    """Why forms will fail at `url`, and what to set, or None if they will work."""
    if not url.startswith("http://") or is_local(url) or not cookie_secure:
        return None
    return (
        f"Boundary is served over plain HTTP at {url}: browsers on other devices will not "
        'send its Secure session cookie back, so every form there will fail with "this page '
        'has expired". Serve it over HTTPS and set BOUNDARY_PUBLIC_URL=https://... (see '
        "Deploying in README.md), or, for a trial on a network you trust, set "
        "BOUNDARY_SESSION_COOKIE_SECURE=false."
    )


def remember(instance: Path, url: str) -> None:
    """Kept for commands run later by hand, which have no BOUNDARY_PUBLIC_URL of their own."""
    instance.mkdir(parents=True, exist_ok=True)
    (instance / REMEMBERED).write_text(url + "\n")


def remembered(instance: Path) -> str | None:
    try:
        return (instance / REMEMBERED).read_text().strip() or None
    except OSError:
        return None


def links_base(app: Flask) -> str:
    """The base of links a command prints: BOUNDARY_PUBLIC_URL (or PUBLIC_URL in
    instance/config.py), else what `make run` last served on, else the default."""
    configured = app.config.get("PUBLIC_URL")
    return str(configured or remembered(Path(app.instance_path)) or DEFAULT_URL).rstrip("/")


def _served_from_argv(argv: list[str]) -> str | None:
    """`flask run --host H --port P`: the address it serves on (the app is not told)."""
    if "run" not in argv:
        return None
    host, port = "127.0.0.1", "5000"
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag in ("--host", "-h"):
            host = value
        elif flag in ("--port", "-p"):
            port = value
    return reachable_url(host, port)


def init_app(app: Flask) -> None:
    """When serving: remember where (for `flask run`), and warn at start-up if the forms
    cannot work there."""
    from_cli = os.environ.get("FLASK_RUN_FROM_CLI") == "true"
    served = _served_from_argv(sys.argv) if from_cli else None
    if from_cli and served is None:
        return  # a command, not a server: `make run` says it once, before serving
    url = str(app.config.get("PUBLIC_URL") or served or "")
    if from_cli and url:
        # `flask run` (as `make run` starts it): commands run later print these links.
        with contextlib.suppress(OSError):
            remember(Path(app.instance_path), url.rstrip("/"))
    problem = plain_http_problem(url, bool(app.config.get("SESSION_COOKIE_SECURE")))
    if problem and from_cli:
        print(f"Warning: {problem}", file=sys.stderr)
    elif problem:
        app.logger.warning("%s", problem)


if __name__ == "__main__":
    print(reachable_url(sys.argv[1], sys.argv[2]))
