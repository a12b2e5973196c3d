"""Pages and assets go gzipped when the browser accepts it; assets are cached for a year
under fingerprinted addresses; pages showing a lasting secret are never compressed."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from surveys.delivery import fingerprint
from surveys.questionnaire import Questionnaire
from tests.helpers import Respondent, RoundRef

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
STATIC = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def question_page(person: Respondent, questionnaire: Questionnaire) -> str:
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    return f"{person.round.url}/section/{questionnaire.features[0].id}"


def test_a_question_page_is_gzipped_only_for_a_browser_that_accepts_it(
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    respondent_for: Callable[[RoundRef], Respondent],
    questionnaire: Questionnaire,
) -> None:
    path = question_page(respondent_for(make_round()), questionnaire)
    plain = client.get(path)
    packed = client.get(path, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert (
        "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    )
    assert packed.headers["Cache-Control"] == "no-store"  # answers: still never cached
    page = gzip.decompress(packed.data).decode()
    assert questionnaire.features[0].name in page and "</html>" in page
    assert len(packed.data) < len(plain.data) / 3


def test_assets_are_fingerprinted_cached_for_a_year_and_gzipped(
    client: FlaskClient, make_round: Callable[..., RoundRef]
) -> None:
    page = client.get(make_round().url).get_data(as_text=True)
    assets = dict(STATIC.findall(page))
    assert "/static/dist/boundary.css" in assets and "/static/js/boundary.js" in assets
    for path, version in assets.items():
        with client.get(f"{path}?v={version}", headers=GZIP) as kept:
            assert kept.status_code == 200
            assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable", path
    css_path = f"/static/dist/boundary.css?v={assets['/static/dist/boundary.css']}"
    with client.get(css_path) as css, client.get(css_path, headers=GZIP) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.data) == css.data
        assert packed.headers["ETag"].startswith("W/")  # never the file's strong tag
    # An old or missing fingerprint (a module the script imports): kept, but checked first.
    for stale in ("/static/dist/boundary.css?v=000000000000", "/static/js/timeout-warning.js"):
        with client.get(stale) as response:
            assert response.headers["Cache-Control"] == "no-cache"


def test_a_page_showing_a_resume_code_is_never_compressed(
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    respondent_for: Callable[[RoundRef], Respondent],
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"}, action="save", follow=False)
    saved = client.get(person.round.url + "/saved", headers=GZIP)
    assert saved.status_code == 200 and "boundary-resume-code" in saved.get_data(as_text=True)
    assert "Content-Encoding" not in saved.headers


def test_a_fingerprint_follows_the_files_content_and_never_leaves_the_static_folder(
    tmp_path: Path,
) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("not an asset")
    sheet = static / "css" / "site.css"
    sheet.write_text("body { color: black }")
    app = Flask("fingerprints", static_folder=str(static))
    before = fingerprint(app, "css/site.css")
    assert before is not None and len(before) == 12
    assert fingerprint(app, "css/site.css") == before
    sheet.write_text("body { color: navy; }")  # a new release: another size, another hash
    after = fingerprint(app, "css/site.css")
    assert after is not None and after != before
    assert fingerprint(app, "../secret.txt") is None
    assert fingerprint(app, "css/../../secret.txt") is None
    assert fingerprint(app, "css") is None  # a folder
    assert fingerprint(app, "css/late.css") is None
    (static / "css" / "late.css").write_text("p {}")  # looked for once, then made
    assert fingerprint(app, "css/late.css") is not None
