"""For pages whose address names a round: the round, or the 404 page that says so."""

from __future__ import annotations

from flask import abort

from .models import Round
from .service import find_round


def round_or_404(slug: str) -> Round:
    round_ = find_round(slug)
    if round_ is None:
        abort(404, "There is no round at this address.")
    return round_
