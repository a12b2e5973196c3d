"""Pages about the service itself: the home page, privacy and accessibility."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..database import db
from ..rounds.models import Round

blueprint = Blueprint("site", __name__)


@blueprint.get("/")
def home() -> str:
    # Real rounds' links are secret and reach staff from their partnership; only demo
    # rounds, which hold synthetic answers, are offered here for people to try.
    demo_rounds = [
        r
        for r in db.session.scalars(select(Round).where(Round.is_demo).order_by(Round.id))
        if r.is_open
    ]
    return render_template("site/home.html", demo_rounds=demo_rounds)


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("site/privacy.html")


@blueprint.get("/accessibility")
def accessibility() -> str:
    return render_template("site/accessibility.html")
