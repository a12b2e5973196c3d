"""sqlmap against the real app under gunicorn, on the suite's database: no SQL injection in
the inputs that look injectable (docs/security.md).

The app is served by gunicorn as in production, with one page added that pastes its input
into SQL (tests/planted.py): sqlmap must find that one, which proves the harness reaches the
app and would report an injection. For every real input, sqlmap's traffic log must show
that it sent its payloads in that parameter and got the real page back (not a 400, 403 or
404 from a form it never got through), and its output must say the parameter does not seem
injectable. Bounded: level 1, risk 1, no time-based payloads, short timeouts, three runs at
once. It takes about two minutes on a loaded 2-core machine, so the full probe runs on
PostgreSQL only (the production database, TEST_DATABASE_URL); the planted injection is
found on SQLite too. See docs/security.md.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url

from benchmarks.workshop_load import free_port, gunicorn
from tests.helpers import TEST_PASSWORD, RoundRef, WorkshopRef, csrf_token_in
from tests.planted import PLANTED

pytestmark = pytest.mark.probe
pytest.importorskip("sqlmap", reason="sqlmap is in the test extras: pip install -e '.[test]'")

# Over 90 s on a loaded 2-core machine, so once per CI run, on the production database.
postgres_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="the full probe runs on PostgreSQL only"
)
SIDE_BY_SIDE = 3  # sqlmap runs at once
LIMIT = 180  # seconds one sqlmap run may take before the test fails (it hangs, not slow)
FOUND = re.compile(r"parameter '([^']+)' (?:appears to be|is) '?[^']*'? ?injectable", re.I)


@dataclass
class Target:
    """One form or page, and the parameters of it sqlmap tries."""

    name: str
    path: str
    params: list[str]
    # A POST's fields (a CSRF token is fetched afresh); a date is three fields of one name.
    data: dict[str, str | list[str]] | None = None
    signed_in: str | None = None  # whose session cookie goes with every request
    page: str = ""  # text of the real page, which the answers must show
    refused: tuple[int, ...] = ()  # statuses the app rightly answers a payload with
    waits: tuple[int, ...] = ()  # statuses it rightly answers the original values with
    extra: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def served(database_url: str) -> Iterator[int]:
    """One gunicorn for the module; each test's rows are its own (the `app` fixture)."""
    port = free_port()
    settings = {
        "BOUNDARY_ALLOW_SQLITE_WORKERS": "true",
        # This server believes X-Forwarded-For, and sqlmap's xforwardedfor tamper gives each
        # payload a made-up address: else the sign-in back-off's per-address count (100 an
        # hour) answers sqlmap with 429s part-way through the sign-in form.
        "BOUNDARY_PROXY_FIX_X_FOR": "1",
    }
    with gunicorn(
        database_url,
        port,
        workers=2,
        threads=8,
        settings=settings,
        app="tests.planted:planted_app()",
    ):
        yield port


def signed_in(port: int, email: str) -> str:
    """The cookies of `email`'s browser, signed in through the real form."""
    cookies: dict[str, str] = {}

    def send(method: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, "/sign-in", body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, value = cookie.split(";", 1)[0].split("=", 1)
                cookies[name] = value
            return response.status, page
        finally:
            connection.close()

    status, page = send("GET")
    assert status == 200
    form = {"csrf_token": csrf_token_in(page), "email": email, "password": TEST_PASSWORD}
    status, _ = send("POST", form)
    assert status == 302 and "boundary_session" in cookies, "the probe could not sign in"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def dbms(database_url: str) -> str:
    return "PostgreSQL" if make_url(database_url).get_backend_name() == "postgresql" else "SQLite"


def sqlmap(port: int, target: Target, database: str, folder: Path, cookie: str | None) -> str:
    """Run sqlmap on one target; its output, and its traffic log beside it in `folder`."""
    url = f"http://127.0.0.1:{port}{target.path}"
    command = [
        sys.executable,
        "-m",
        "sqlmap.sqlmap",
        "-u",
        url,
        "-p",
        ",".join(target.params),
        "--batch",  # the default answer to every question
        "--flush-session",
        f"--output-dir={folder / 'out'}",
        f"-t{folder / 'traffic.txt'}",
        f"--dbms={database}",
        "--level=1",
        "--risk=1",
        "--technique=BEUS",  # boolean, error, UNION, stacked; not time-based (slow, and noisy here)
        "--timeout=15",
        "--retries=1",
        "--disable-coloring",
        "--answers=follow=N",  # judge a form by its own answer, not the page it leads to
        *target.extra,
    ]
    if target.data is not None:
        fields = {"csrf_token": "x", **target.data}
        command += ["--data", urllib.parse.urlencode(fields, doseq=True)]
        command += ["--csrf-token=csrf_token", f"--csrf-url={url}"]
    if cookie:
        command += [f"--cookie={cookie}"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=LIMIT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"sqlmap on {target.name} did not finish in {LIMIT} s: {error.stdout!r}")
    return done.stdout + done.stderr


def traffic(folder: Path) -> str:
    log = folder / "traffic.txt"
    assert log.exists(), "sqlmap sent nothing"
    return log.read_text(errors="replace")


def sent_payloads_in(log: str, param: str) -> int:
    """How many requests carried something other than a plain value in `param`: a quote, a
    bracket or an SQL keyword, URL-encoded or not."""
    values = re.findall(rf"(?:[?&\n]|^){re.escape(param)}=([^&\s]*)", log)
    return sum(
        1
        for value in values
        if re.search(
            r"['\"()]|\b(?:AND|OR|UNION|SELECT|ORDER)\b", urllib.parse.unquote_plus(value), re.I
        )
    )


def test_sqlmap_finds_the_planted_injection(
    app: Flask, served: int, database_url: str, tmp_path: Path, make_round: Callable[..., RoundRef]
) -> None:
    """The harness works: an injectable page is found, so "not injectable" is sqlmap's word."""
    make_round("planted")
    target = Target("planted", f"{PLANTED}?slug=planted", ["slug"])
    output = sqlmap(served, target, dbms(database_url), tmp_path, None)
    assert "slug" in FOUND.findall(output), output[-3000:]
    assert "sqlmap identified the following injection point" in output


@postgres_only
def test_sqlmap_finds_no_injection_in_inputs_that_look_injectable(
    app: Flask,
    served: int,
    database_url: str,
    tmp_path: Path,
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    round_ = make_round("probed", agencies=["police", "health"], localities=("North", "South"))
    workshop = make_workshop()
    admin = make_user("admin")
    manager = make_user("manager")
    opens = date.today()
    closes = opens + timedelta(days=30)
    targets = [
        Target(
            "sign-in",
            "/sign-in",
            # The e-mail is looked up; a password is only ever compared with a hash (and
            # a few wrong ones for one account make it wait: sqlmap would meet 429s).
            ["email"],
            data={"email": "nobody@example.org", "password": "not-the-password"},
            page="Sign in",
            extra=["--tamper=xforwardedfor"],
            # sqlmap sends the original e-mail again and again between payloads: after five
            # wrong passwords, that account waits (the back-off, rightly: a 429).
            waits=(429,),
        ),
        Target(
            "survey answers",
            f"/r/{round_.token}/about-you",
            ["agency", "level"],
            data={
                "round": round_.token,
                "agency": "police",
                "level": "frontline",
                "action": "save",
            },
            page="About you",
            refused=(400,),  # an answer that is not one of the choices: refused unread
        ),
        Target("join code", "/join", ["code"], data={"code": "ABC234"}, page="Join a workshop"),
        Target(
            "room code in the address",
            f"/w/{workshop.code}*",
            [],
            page="North cluster",
            refused=(404,),  # no workshop has that code
        ),
        Target(
            "resume code",
            f"/r/{round_.token}/resume",
            ["code"],
            data={"code": "ABCD-EFGH"},
            page="Continue a saved response",
        ),
        *(
            Target(
                f"report filter {name}",
                f"/reports/{round_.slug}?{name}={value}",  # one or the other, never both
                [name],
                signed_in=manager,
                page="Test round probed",
                refused=(404,),  # no such agency or locality in the round
            )
            for name, value in [("agency", "police"), ("locality", "north")]
        ),
        Target(
            "admin round form",
            "/manage/rounds/new",
            ["name", "slug", "localities"],
            data={
                "name": "Probe round",
                # No short name: it is made from the name, so each name sqlmap sends is
                # written to the database as a new round's (and its short name looked up).
                "slug": "",
                "opens": [str(opens.day), str(opens.month), str(opens.year)],
                "closes": [str(closes.day), str(closes.month), str(closes.year)],
                "agencies": "police",
                "localities": "North",
            },
            signed_in=admin,
            page="Create a round",
        ),
    ]

    def probe(target: Target) -> list[str]:
        folder = tmp_path / target.name.replace(" ", "-")
        folder.mkdir()
        cookie = signed_in(served, target.signed_in) if target.signed_in else None
        output = sqlmap(served, target, dbms(database_url), folder, cookie)
        return judged(target, output, traffic(folder))

    # A few at once: sqlmap mostly waits for answers, and gunicorn has threads to spare.
    with ThreadPoolExecutor(SIDE_BY_SIDE) as pool:
        problems = [problem for found in pool.map(probe, targets) for problem in found]
    assert not problems, "\n".join(problems)


def judged(target: Target, output: str, log: str) -> list[str]:
    """What is wrong with one sqlmap run: an injection found, a parameter not tested, or
    answers that show sqlmap never got through to the real page."""
    problems = []
    if FOUND.findall(output) or "identified the following injection point" in output:
        problems.append(f"{target.name}: sqlmap found an injection:\n{output[-3000:]}")
    for param in target.params or ["#1*"]:
        said = rf"parameter '{re.escape(param)}' does not seem to be injectable"
        if not re.search(said, output):
            problems.append(f"{target.name}: '{param}' was not reported as tested")
        if target.params and sent_payloads_in(log, param) < 10:
            problems.append(f"{target.name}: few payloads were sent in '{param}'")
    answers = exchanges(log)
    statuses = sorted({status for _, status, _ in answers})
    for request, status, _ in answers:
        payload = not target.params or any(sent_payloads_in(request, p) for p in target.params)
        if status not in (200, 302, *(target.refused if payload else target.waits)):
            sent = "a payload" if payload else "the original values"
            problems.append(f"{target.name}: {sent} answered {status} (all: {statuses})")
            break
    if not any(status == 200 and target.page in page for _, status, page in answers):
        problems.append(f"{target.name}: the real page ({target.page!r}) never came back")
    if len(answers) < 20:
        problems.append(f"{target.name}: only {len(answers)} requests were sent")
    return problems


def exchanges(log: str) -> list[tuple[str, int, str]]:
    """Each request of sqlmap's traffic log: the request, the status, the page."""
    found = []
    for entry in log.split("#" * 76):
        request = re.search(
            r"HTTP request \[#\d+\]:\n(.*?)\nHTTP (?:response|redirect)", entry, re.S
        )
        answer = re.search(
            r"HTTP (?:response|redirect) \[#\d+\] \((\d+)[^)]*\):\n(.*)", entry, re.S
        )
        if request and answer:
            found.append((request.group(1), int(answer.group(1)), answer.group(2)))
    return found
