"""Bytes over the wire for a question page and everything it loads, in the same run:

    .venv/bin/python -m benchmarks.page_weight

  baseline  as a browser that does not accept gzip gets them (how every page went before)
  gzip      as a browser that accepts gzip gets them
  revisit   the next question page, gzip, with the assets kept from the first visit (their
            fingerprinted addresses are cached for a year, so only the page is fetched)

The assets are those the page names (stylesheets, scripts), and the modules and images those
name in turn. The gzip and revisit figures are printed as ratios of the baseline.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import flask_migrate

from surveys import create_app
from surveys.library import current_questionnaire
from surveys.rounds.service import RoundSpec, create_round

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
IMPORTED = re.compile(
    r"""(?:from\s+|import\s*\(?\s*)['"](\.{1,2}/[^'"]+)['"]|url\("?(/static/[^")]+)"?\)"""
)


def resolve(base: str, relative: str) -> str:
    parts = base.split("/")[:-1]
    for piece in relative.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def weigh(client: object, page_path: str, gzip_ok: bool, with_assets: bool) -> int:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    page = client.get(page_path, headers=headers)  # type: ignore[attr-defined]
    total = len(page.data)
    if not with_assets:
        return total
    html = client.get(page_path).get_data(as_text=True)  # type: ignore[attr-defined]
    queue, seen = ASSET.findall(html), set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        with client.get(url, headers=headers) as asset:  # type: ignore[attr-defined]
            total += len(asset.data)
        with client.get(url) as plain:  # type: ignore[attr-defined]
            text = plain.get_data(as_text=True) if url.endswith((".js", ".css")) else ""
        for relative, absolute in IMPORTED.findall(text):
            queue.append(absolute or resolve(url.split("?")[0], relative))
    return total


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'weight.sqlite3'}",
                "SECRET_KEY": "benchmark-secret-key-not-for-production-use",
                "SESSION_COOKIE_SECURE": False,
                "WTF_CSRF_ENABLED": False,
            },
            instance_path=Path(folder),
        )
        with app.app_context():
            flask_migrate.upgrade(directory=str(Path(app.root_path) / "migrations"))
            round_ = create_round(
                RoundSpec(name="Weighed", slug="weighed"), current_questionnaire(), 30
            )
            url = f"/r/{round_.public_token}"
            features = [f.id for f in current_questionnaire().features]
        client = app.test_client()
        client.post(
            url + "/about-you",
            data={
                "round": url.removeprefix("/r/"),
                "agency": "police",
                "level": "frontline",
                "action": "continue",
            },
        )
        first, second = (f"{url}/section/{f}" for f in features[:2])
        for run in range(3):
            baseline = weigh(client, first, gzip_ok=False, with_assets=True)
            packed = weigh(client, first, gzip_ok=True, with_assets=True)
            revisit = weigh(client, second, gzip_ok=True, with_assets=False)
            page_plain = weigh(client, first, gzip_ok=False, with_assets=False)
            page_packed = weigh(client, first, gzip_ok=True, with_assets=False)
            print(
                f"run {run + 1}: baseline {baseline:,} B; gzip {packed:,} B "
                f"({packed / baseline:.3f} of baseline); revisit {revisit:,} B "
                f"({revisit / baseline:.3f}); the page alone {page_plain:,} B, gzip "
                f"{page_packed:,} B ({page_packed / page_plain:.3f})"
            )


if __name__ == "__main__":
    main()
