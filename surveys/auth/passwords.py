"""Which passwords are refused: short, common, guessable, or made of the person's own details.

The list of common passwords ships with the app (common_passwords.txt, the 10,000 most
common in leaked password sets), so the check works offline and tells no one what was
typed. A common word with digits or symbols stuck on either end ("password1234",
"!!letmein2026") is refused too: that is the first thing a guesser tries.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# Runs a guesser walks along: digits, the alphabet, keyboard rows.
RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
PARTS = re.compile(r"[^a-z0-9]+")
MAX_RUN_STRETCHES = 3
OWN_DETAIL_MIN = 4  # a name or email part shorter than this is too likely inside other words


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _follows(a: str, b: str) -> bool:
    """Whether b comes straight after a in a run (digits, the alphabet, a keyboard row)."""
    return any(a + b in run for run in RUNS)


def _is_run_or_repeat(text: str) -> bool:
    """'aaaaaaaaaaaa', 'abcabcabcabc', '123456789012', 'qwertyuiop12', 'abcdefgh1234'."""
    if any((text[:size] * len(text))[: len(text)] == text for size in range(1, 5)):
        return True
    compact = PARTS.sub("", text)
    if not compact:
        return True
    # A few stretches of a run, one after another, are still a run to a guesser.
    stretches = 1 + sum(1 for a, b in zip(compact, compact[1:], strict=False) if not _follows(a, b))
    return stretches <= MAX_RUN_STRETCHES


def _own_details(email: str, name: str) -> list[str]:
    local = email.split("@", 1)[0]
    words = [*PARTS.split(local), *PARTS.split(name.lower()), local]
    return [word for word in words if len(word) >= OWN_DETAIL_MIN]


def password_problem(password: str, email: str, name: str = "") -> str | None:
    """Why this password would be refused for this person, or None if it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long"
    lowered = password.strip().lower()
    common = common_passwords()
    if lowered in common:
        return (
            "This is one of the most common passwords, so it is easy to guess. "
            "Choose another: a few unrelated words work well"
        )
    core = EDGES.sub("", lowered)
    if core in common or len(core) < 4:
        return (
            "This is a common word or a few letters with numbers or symbols added, so it is "
            "easy to guess. Choose another: a few unrelated words work well"
        )
    if _is_run_or_repeat(lowered):
        return (
            "This password is a run or a repeat of characters (like 111111 or abcd1234), "
            "so it is easy to guess. Choose another"
        )
    compact = PARTS.sub("", lowered)
    details = _own_details(email.strip().lower(), name)
    if lowered == email.strip().lower() or any(
        PARTS.sub("", word) and PARTS.sub("", word) in compact for word in details
    ):
        return "The password must not contain your email address or your name"
    return None
