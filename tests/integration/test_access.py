"""Every protected page refuses the wrong people: signed out, a sign-in page; wrong role, 403."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.auth.models import User
from surveys.database import db
from tests.helpers import RoundRef, WorkshopRef, csrf_token_in

ROLES = ("admin", "manager", "agency-lead", "facilitator")
# Who may open each area: every route under a prefix is checked below.
ALLOWED = {
    "manage.": {"admin"},
    "deletion.": {"admin"},  # deleting a round (surveys/admin/deletion.py)
    # An agency's declaration: its own lead's (the sample is the lead's agency) or an admin's.
    "declarations.": {"admin", "agency-lead"},
    "reports.analysis_export": {"admin", "manager"},
    # The partnership's report; an agency lead's own agency report is tested below.
    "reports.pdf": {"admin", "manager"},
    "reports.report": {"admin", "manager"},  # the page that says how the PDF is coming along
    "reports.try_report_again": {"admin", "manager"},
    "moderate.": {"admin", "manager"},
    "invitations.": {"admin", "manager"},
    "reports.": {"admin", "manager", "agency-lead"},
    "auth.password": set(ROLES),
    "workshops.": {"admin", "facilitator"},
}
PUBLIC = {
    "static",
    "site.home",
    "site.privacy",
    "site.accessibility",
    "auth.sign_in",
    "auth.sign_out",
    "health.healthz",  # probes for a load balancer: no data, no account
    "health.readyz",
}


def allowed_for(endpoint: str) -> set[str] | None:
    for prefix, roles in ALLOWED.items():
        if endpoint == prefix or (prefix.endswith(".") and endpoint.startswith(prefix)):
            return roles
    return None


def a_comment(app: Flask, round_: RoundRef) -> str:
    """A comment waiting for moderation in the round, by its reference in links."""
    from surveys.comments.moderation import comment_ref
    from surveys.library import current_questionnaire
    from surveys.responses.answers import CompletedResponse
    from surveys.responses.models import Channel, Comment
    from surveys.responses.service import record_submissions
    from surveys.rounds.models import Round

    live = db.session.get(Round, round_.id)
    assert live is not None
    q = current_questionnaire()
    person = CompletedResponse(
        agency_id="police",
        level_id="frontline",
        items={item.id: 3 for item in q.items},
        comments={"trust": "Words"},
    )
    record_submissions(live, q, [person], Channel.IMPORT, live.opens_at.date())
    db.session.commit()
    comment = db.session.scalars(select(Comment).where(Comment.round_id == round_.id)).one()
    return comment_ref(comment.submission_id, comment.feature_id, app.config["SECRET_KEY"])


def sample_url(
    app: Flask,
    endpoint: str,
    round_: RoundRef,
    user_id: int,
    ids: dict[str, int | str] | None = None,
) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values: dict[str, Any] = {
        "slug": round_.slug,
        "feature_id": "trust",
        "agency_id": "police",
        "user_id": user_id,
        "action": "close" if "open_or_close" in endpoint else "deactivate",
        "ref": "unknown",
        "file_format": "csv",
        "screen": "projector",
        "move": "focus",
        **(ids or {}),
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def protected_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        # Respondents and workshop participants need no account.
        if rule.endpoint in PUBLIC or rule.endpoint.startswith(
            ("respond.", "join.", "invitation.", "survey_code.")  # the poster's short code too
        ):
            continue
        method = "POST" if "GET" not in (rule.methods or set()) else "GET"
        routes.append((rule.endpoint, method))
    return sorted(set(routes))


def test_every_route_is_either_public_or_listed(app: Flask) -> None:
    unlisted = [e for e, _m in protected_routes(app) if allowed_for(e) is None]
    assert unlisted == [], "a new page needs a role: add it to ALLOWED"


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_reaches_only_its_pages(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
    make_workshop: Callable[..., WorkshopRef],
    sign_in: Callable[[str], None],
    role: str | None,
) -> None:
    # Closed, so its results are released and every report page has something to show.
    round_ = make_round(
        "guarded", agencies=["police", "health"], opens_in_days=-40, closes_in_days=-1
    )
    workshop = make_workshop(round_slug=round_.slug)
    with app.app_context():
        from surveys.workshops import service
        from surveys.workshops.models import WorkshopSession

        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        ids: dict[str, int | str] = {
            "workshop_id": workshop.id,
            "action_id": service.add_action(live, "Meet monthly", None, None, None).id,
            "ref": a_comment(app, round_),
        }
    victim = make_user("manager", email="someone@example.org")
    with app.app_context():
        victim_id = db.session.scalar(select(User.id).where(User.email == victim))
    assert victim_id is not None
    if role:
        sign_in(make_user(role, "police" if role == "agency-lead" else None))
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    for endpoint, method in protected_routes(app):
        url = sample_url(app, endpoint, round_, victim_id, ids)
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": token, "status": "done", "action": "withhold"}
            response = client.post(url, data=data)
        allowed = allowed_for(endpoint) or set()
        if role is None:
            assert response.status_code == 302, (endpoint, response.status_code)
            assert "/sign-in" in response.headers["Location"], endpoint
        elif role in allowed:
            assert response.status_code in (200, 302), (endpoint, role, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
            assert "You cannot do that" in response.get_data(as_text=True)


def test_an_agency_lead_cannot_see_another_agencys_detail(
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    round_ = make_round(
        "leads", agencies=["police", "health"], opens_in_days=-40, closes_in_days=-1
    )
    sign_in(make_user("agency-lead", "police"))
    assert client.get(f"/reports/{round_.slug}?agency=police").status_code == 200
    other = client.get(f"/reports/{round_.slug}?agency=health")
    assert other.status_code == 403
    assert "your own agency's detail, not another's" in html.unescape(other.get_data(as_text=True))
    assert client.get(f"/reports/{round_.slug}/features/trust?agency=health").status_code == 403
    assert client.get(f"/reports/{round_.slug}/report.pdf?agency=health").status_code == 403
    own = client.get(f"/reports/{round_.slug}/report.pdf?agency=police")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    # The partnership's full report (every agency's detail) is for managers.
    assert client.get(f"/reports/{round_.slug}/report.pdf").status_code == 403
    assert client.get(f"/reports/{round_.slug}/analysis.csv").status_code == 403
