"""Request limits against ballot stuffing and guessing, with Flask-Limiter.

The public survey link and a workshop's join code are the only credentials a respondent
has, so without limits one client can send thousands of invented answers. The limits here
are per client address and, for submissions, per round. They must stay generous: a whole
office reaches us through one proxy address, and a workshop room shares one Wi-Fi address,
so sixty people answering at once from one address is normal; one client sending thousands
is not (docs/security.md, "Ballot stuffing and rate limits", says why each figure).

Client addresses live only in the limiter's storage (memory, or Redis in production), as a
keyed hash that expires with its window; never in the database, never beside answers.

Every figure is a setting, e.g. BOUNDARY_LIMIT_SUBMIT="60 per minute; 300 per hour", and
BOUNDARY_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 shares the counts between workers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage

# Defaults, each per client address unless it says otherwise.
LIMIT_SETTINGS: dict[str, Any] = {
    # Accounts are few (admins, managers, leads, facilitators), but they share the office's
    # proxy; the per-account lockout (surveys/auth) is what stops guessing one password.
    "LIMIT_SIGN_IN": "30 per minute; 300 per hour",
    # Wrong workshop codes only (a right one costs nothing): 23**6 codes cannot be walked
    # at this pace, and a room of sixty mistyping now and then never meets it.
    "LIMIT_JOIN_MISSES": "30 per minute; 200 per hour",
    # New drafts and submissions: a training room of sixty doing the survey together, or an
    # office answering the all-staff e-mail, stays under these; a script sending thousands
    # does not.
    "LIMIT_NEW_DRAFT": "60 per minute; 600 per hour",
    "LIMIT_SUBMIT": "60 per minute; 300 per hour",
    # Per round, whatever the address: caps what a botnet or a rotating proxy can add.
    "LIMIT_SUBMIT_ROUND": "1000 per hour; 10000 per day",
    # Sends of a workshop answer page: sixty phones answering, then statements put again.
    "LIMIT_WORKSHOP_SENDS": "300 per minute",
    # Answers one address may give to one question of one workshop (its first answers, or
    # one statement put again): a room of sixty on one Wi-Fi, with room to spare.
    "LIMIT_WORKSHOP_ANSWERS_PER_ADDRESS": 80,
    # Wrong survey codes (the short address on posters, surveys/rounds/short_codes.py):
    # 23**8 codes, so guessing one at this pace is hopeless; a mistyped poster code now and
    # then from an office's one address never meets it.
    "LIMIT_SURVEY_CODE_MISSES": "30 per minute; 200 per hour",
    # Wrong invitation codes (surveys/invitations): 29**8 codes; guessing one is hopeless.
    "LIMIT_INVITATION_MISSES": "20 per minute; 100 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "boundary",
    # No X-RateLimit headers: each costs the storage another read on every limited request,
    # and the 429 page says when to try again (with Retry-After) to the one who needs it.
    "RATELIMIT_HEADERS_ENABLED": False,
    # If Redis stops answering, count in this process's memory meanwhile rather than turn
    # every respondent away: the limits hold per worker until Redis is back.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
}

EXTENSION = "boundary_limiter"

# What each limit tells the person who meets it (the 429 page says when to try again).
SIGN_IN = "There have been too many attempts to sign in from your network."
JOIN_MISSES = "There have been too many wrong workshop codes from your network."
ROOM_SENDS = "Too many answers have been sent to this workshop from your network."
NEW_DRAFTS = "Too many surveys have been started from your network in a short time."
SUBMITS = "Too many surveys have been sent from your network in a short time."
ROUND_SUBMITS = "This survey has received an unusually large number of answers in a short time."
WORKSHOP_ANSWERS = (
    "So many answers to this question have come from your network that no more can be "
    "counted from it. Tell the facilitator."
)
INVITATION_MISSES = "There have been too many wrong invitation codes from your network."
SURVEY_CODE_MISSES = "There have been too many wrong survey codes from your network."
MESSAGES = (
    "Too many requests have come from your network in a short time.",
    SIGN_IN,
    JOIN_MISSES,
    ROOM_SENDS,
    NEW_DRAFTS,
    SUBMITS,
    ROUND_SUBMITS,
    WORKSHOP_ANSWERS,
    INVITATION_MISSES,
    SURVEY_CODE_MISSES,
)


def client_key() -> str:
    """The client's address as a keyed hash: enough to count its requests, not to read it."""
    address = counted_address(request.remote_addr or "unknown").encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, address, hashlib.sha256).hexdigest()[:24]


def counted_address(address: str) -> str:
    """What one client is counted as: an IPv4 address, or an IPv6 address's /64 network.
    One IPv6 home or phone connection is given a whole /64, so counting single IPv6
    addresses would let one client step round every per-address limit."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def round_key() -> str:
    """The round a survey request is for (loaded from its link before the view runs)."""
    return f"round-{g.round.id}" if "round" in g else "round-none"


def setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def limiter() -> Limiter:
    found: Limiter = current_app.extensions[EXTENSION]
    return found


def wrap(app: Flask, endpoint: str, *limits: Callable[[Callable[..., Any]], Any]) -> None:
    view = app.view_functions[endpoint]
    for limit in limits:
        view = limit(view)
    app.view_functions[endpoint] = view


def init_app(app: Flask, *, has_draft: Callable[[], bool]) -> None:
    """Put the limits on the routes they guard; call once every blueprint is registered.

    `has_draft` tells whether a survey request continues a draft (only a new draft counts);
    the survey pages supply it, since limits sit below every page they guard."""
    for name, value in LIMIT_SETTINGS.items():
        app.config.setdefault(name, value)
    # The test suite runs thousands of requests from one address: its tests turn limits on
    # where limits are what they test (tests/integration/test_rate_limits.py).
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    limits = Limiter(client_key, app=app)
    app.extensions[EXTENSION] = limits
    for problem in production_doubts(app):
        app.logger.warning("Rate limits: %s", problem, extra={"event": "limits-doubt"})
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    if not limits.enabled:
        return

    posts = ["POST"]
    wrap(
        app,
        "auth.sign_in",
        limits.limit(setting("LIMIT_SIGN_IN"), methods=posts, error_message=SIGN_IN),
    )
    # Join-code guessing: only misses count, on every route that takes a code.
    wrap(
        app,
        "join.enter_code",
        limits.shared_limit(
            setting("LIMIT_JOIN_MISSES"),
            scope="join-misses",
            methods=posts,
            error_message=JOIN_MISSES,
            deduct_when=lambda response: response.status_code != 302,
        ),
    )
    room_misses = limits.shared_limit(
        setting("LIMIT_JOIN_MISSES"),
        scope="join-misses",
        error_message=JOIN_MISSES,
        deduct_when=lambda response: response.status_code == 404,
    )
    wrap(app, "join.room_page", room_misses)
    wrap(app, "join.status", room_misses)
    wrap(
        app,
        "join.room_page",
        limits.limit(setting("LIMIT_WORKSHOP_SENDS"), methods=posts, error_message=ROOM_SENDS),
    )
    # Survey-code guessing, the same way: only misses count, typed or in the short address.
    wrap(
        app,
        "survey_code.enter_code",
        limits.shared_limit(
            setting("LIMIT_SURVEY_CODE_MISSES"),
            scope="survey-code-misses",
            methods=posts,
            error_message=SURVEY_CODE_MISSES,
            deduct_when=lambda response: response.status_code != 302,
        ),
    )
    wrap(
        app,
        "survey_code.short_address",
        limits.shared_limit(
            setting("LIMIT_SURVEY_CODE_MISSES"),
            scope="survey-code-misses",
            error_message=SURVEY_CODE_MISSES,
            deduct_when=lambda response: response.status_code == 404,
        ),
    )
    new_draft = limits.shared_limit(
        setting("LIMIT_NEW_DRAFT"),
        scope="new-draft",
        methods=posts,
        exempt_when=has_draft,
        error_message=NEW_DRAFTS,
    )
    for endpoint in ("about_you", "feature", "partners", "partner_ratings"):
        wrap(app, f"respond.{endpoint}", new_draft)
    wrap(
        app,
        "respond.submit",
        limits.limit(setting("LIMIT_SUBMIT"), methods=posts, error_message=SUBMITS),
        limits.limit(
            setting("LIMIT_SUBMIT_ROUND"),
            methods=posts,
            key_func=round_key,
            error_message=ROUND_SUBMITS,
        ),
    )


def production_doubts(app: Flask) -> list[str]:
    """Settings that quietly weaken the limits in production (BOUNDARY_ENV=production):
    said at start-up, not refused, since serving without a proxy or with one worker is fine."""
    from .config import is_production

    if not is_production(app) or not app.config.get("RATELIMIT_ENABLED"):
        return []
    doubts = []
    if not app.config.get("PROXY_FIX_X_FOR"):
        doubts.append(
            "BOUNDARY_PROXY_FIX_X_FOR is 0, so every request is counted as coming from the "
            "address that connects. Behind a reverse proxy that is the proxy: everyone would "
            "share one count. Set it to the number of proxies that add X-Forwarded-For."
        )
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        doubts.append(
            "counts are kept in each worker's memory, so each gunicorn worker counts alone. "
            "Set BOUNDARY_RATELIMIT_STORAGE_URI=redis://... to share them."
        )
    return doubts


def retry_after_seconds() -> int:
    current = limiter().current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def wait_in_words(seconds: int) -> str:
    if seconds < 90:
        return "in a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"in {minutes} minutes"
    hours = math.ceil(minutes / 60)
    return f"in {hours} hours" if hours < 36 else "tomorrow"


def too_many(what: str, seconds: int) -> Response:
    """The 429 page: what happened, that nothing sent was lost, and when to try again."""
    body = render_template(
        "errors/429.html",
        what=what,
        wait=wait_in_words(seconds),
        survey="round" in g,
        # Staff signing in are not sending answers, and have no "person who sent the link".
        signing_in=what == SIGN_IN,
        # A refused first page made no draft, so what was on it is not kept; a refused
        # send leaves the draft whole.
        page_not_saved=what == NEW_DRAFTS,
        answers_kept=what in (SUBMITS, ROUND_SUBMITS),
    )
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def too_many_requests(error: RateLimitExceeded) -> Response:
    what = error.description if error.description in MESSAGES else MESSAGES[0]
    return too_many(what, retry_after_seconds())


# --- limits checked by hand, where the key is more than the route -------------------------


def _items(text: str) -> list[RateLimitItem]:
    return list(parse_many(text))


def _storage_down(error: Exception) -> None:
    # Like the route limits (RATELIMIT_SWALLOW_ERRORS), these fail open: a limiter whose
    # storage has gone must not turn people away. Logged without the request's address.
    current_app.logger.warning(
        "Limiter storage unavailable (%s); not limiting", type(error).__name__
    )


def allowed(text: str, *identifiers: str) -> bool:
    """Whether one more would stay within `text`'s limits for these identifiers (no hit)."""
    if not limiter().enabled:
        return True
    try:
        strategy = limiter().limiter
        return all(strategy.test(item, *identifiers) for item in _items(text))
    except Exception as error:  # the storage's own errors (e.g. redis.ConnectionError)
        _storage_down(error)
        return True


def hit(text: str, *identifiers: str) -> None:
    if not limiter().enabled:
        return
    try:
        strategy = limiter().limiter
        for item in _items(text):
            strategy.hit(item, *identifiers)
    except Exception as error:
        _storage_down(error)


def _key(key: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/{key}"


def counter(key: str) -> int:
    """A plain count in the limiter's storage (zero when limits are off or it has expired)."""
    if not limiter().enabled:
        return 0
    try:
        return int(limiter().storage.get(_key(key)))
    except Exception as error:
        _storage_down(error)
        return 0


def count(key: str, expiry_seconds: int, amount: int = 1) -> int:
    if not limiter().enabled:
        return 0
    try:
        return int(limiter().storage.incr(_key(key), expiry_seconds, amount))
    except Exception as error:
        _storage_down(error)
        return 0


def counters(keys: list[str]) -> list[int]:
    """Several plain counts at once: on Redis one MGET, not a round trip for each key."""
    if not limiter().enabled:
        return [0] * len(keys)
    storage = limiter().storage
    if not isinstance(storage, RedisStorage) or isinstance(storage, RedisClusterStorage):
        return [counter(key) for key in keys]  # memory; a cluster spreads keys over slots
    try:
        names = [storage.prefixed_key(_key(key)) for key in keys]
        connection: Any = storage.get_connection(True)  # a redis.Redis; typed only as a protocol
        return [int(value or 0) for value in connection.mget(names)]
    except Exception as error:
        _storage_down(error)
        return [0] * len(keys)
