"""Marks what in a comment might identify someone, for a moderator to look at twice.

Pure: no Flask, no database. The result is escaped HTML with `<mark>` around likely names,
job titles and roles, the round's places and agencies, email addresses, phone numbers and
first-person statements of role ("as the ...", "I am the ..."). It is a prompt, not a
filter: it errs towards marking too much, and a moderator still reads every word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "DS", "DC", "DI", "DCI", "DSI", "PC")
TITLES_MORE = ("PCSO", "Sgt", "Insp", "Cllr", "Sister", "Nurse")

# Roles and job titles, longest first so "designated safeguarding lead" wins over "lead".
ROLES = sorted(
    (
        "head teacher",
        "headteacher",
        "deputy head",
        "assistant head",
        "head of",
        "principal",
        "designated safeguarding lead",
        "deputy designated safeguarding lead",
        "safeguarding lead",
        "strategic lead",
        "named nurse",
        "named doctor",
        "designated nurse",
        "designated doctor",
        "team manager",
        "team leader",
        "service manager",
        "practice manager",
        "operations manager",
        "senior manager",
        "manager",
        "supervisor",
        "sergeant",
        "inspector",
        "detective",
        "superintendent",
        "constable",
        "police officer",
        "probation officer",
        "social worker",
        "family support worker",
        "youth worker",
        "health visitor",
        "school nurse",
        "midwife",
        "paediatrician",
        "consultant",
        "director",
        "chief",
        "chair",
        "councillor",
        "coordinator",
        "co-ordinator",
    ),
    key=len,
    reverse=True,
)
# Acronyms are matched in capitals only, so a "gp" inside ordinary words is left alone.
ROLE_ACRONYMS = ("DSL", "DDSL", "GP", "SENCO", "SENCo", "LADO", "PCSO", "IRO", "CP chair")

ROLE = re.compile(
    r"\b(?:" + "|".join(re.escape(r) for r in ROLES) + r")s?\b"
    # "lead" as a verb ("can lead to delays") is common, so only the noun is marked.
    r"|\blead(?:s)?\b(?!\s+(?:to|on|us|them|up|the|a|an|by)\b)",
    re.IGNORECASE,
)
ROLE_ACRONYM = re.compile(r"\b(?:" + "|".join(re.escape(r) for r in ROLE_ACRONYMS) + r")s?\b")
NAME_WORD = r"[A-Z][\w'’-]*"
TITLED_NAME = re.compile(
    r"\b(?:" + "|".join((*TITLES, *TITLES_MORE)) + r")\.?\s+" + NAME_WORD + rf"(?:\s+{NAME_WORD})?"
)
CAPITALISED_RUN = re.compile(rf"\b{NAME_WORD}(?:\s+{NAME_WORD})*")
# Starting only where a word starts keeps a long run of letters from being rescanned.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().-]{7,17}\d(?!\w)")
PHONE_DIGITS = 9  # fewer is a year, a count or a short code, not a number to ring
ROLE_STATEMENT = re.compile(
    r"\b(?:I\s+am|I['’]m|I\s+work\s+as|my\s+role\s+as|as)\s+(?:the|a|an|one\s+of\s+the)\s+"
    # Everyday phrases ("as a result", "as the partnership") say nothing of who writes.
    r"(?!(?:result|whole|rule|consequence|partnership|team|service|same|way|matter|group"
    r"|minimum|means|point)\b)"
    r"[\w'’-]+(?:[ \t]+[\w'’-]+){0,3}",
    re.IGNORECASE,
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS_LATER = ("September", "October", "November", "December")
# Capitalised words that are rarely anyone's name or place.
NOT_NAMES = frozenset(
    {"I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll", "OK", "English", "British"}
    | {*DAYS, *MONTHS, *MONTHS_LATER}
)
SENTENCE_END = ".!?\n"
OPENERS = "\"'“‘([-–—•* \t"


def highlight(
    text: str, place_names: Iterable[str] = (), agency_names: Iterable[str] = ()
) -> Markup:
    """The comment as escaped HTML, with what might identify someone in `<mark>`."""
    spans = [
        *_matches(EMAIL, text),
        *(s for s in _matches(PHONE, text) if _digits(text, s) >= PHONE_DIGITS),
        *_matches(TITLED_NAME, text),
        *_matches(ROLE, text),
        *_matches(ROLE_ACRONYM, text),
        *_matches(ROLE_STATEMENT, text),
        *_names(text),
        *_given(text, [*place_names, *agency_names]),
    ]
    out: list[str] = []
    at = 0
    for start, end in _merged(text, spans):
        out.append(escape(text[at:start]))
        out.append(Markup("<mark>{}</mark>").format(text[start:end]))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _digits(text: str, span: tuple[int, int]) -> int:
    return sum(ch.isdigit() for ch in text[span[0] : span[1]])


def _given(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    words = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not words:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    return _matches(pattern, text)


def _names(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words, less a word that only starts a sentence."""
    spans = []
    for match in CAPITALISED_RUN.finditer(text):
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", match.group())]
        words = [(match.start() + s, match.start() + e) for s, e in words]
        if _starts_sentence(text, match.start()):
            words = words[1:]
        # Capitals alone (MASH, CSC) are acronyms, left to the role and agency lists.
        words = [w for w in words if not _acronym_or_common(text[w[0] : w[1]])]
        spans += words
    return spans


def _acronym_or_common(word: str) -> bool:
    return word in NOT_NAMES or (len(word) > 1 and word.isupper())


def _starts_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip(OPENERS)
    return not before or before[-1] in SENTENCE_END


def _merged(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans, and spans with only spaces between ("DS Jo Patel"), as one mark."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip(" \t")):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
