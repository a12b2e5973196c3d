"""What a moderator is asked to look at twice in a comment, as escaped HTML with <mark>."""

from __future__ import annotations

import html

import pytest

from surveys.comments.highlight import highlight

PLACES = ("North cluster", "Eastwick")
AGENCIES = ("Police", "Children's social care")


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        # likely personal names: capitalised words not starting a sentence
        ("I spoke to Sarah Jones about it.", ["Sarah Jones"]),
        ("Sarah said no. Then we waited.", []),  # a sentence's first word is not marked
        ("Nobody asked Priya. Jo Bloggs did.", ["Priya", "Bloggs"]),
        ("We met on Monday in January.", []),  # days and months are nobody's name
        ("The MASH is slow.", []),  # an acronym alone is not a name
        # titles followed by a name
        ("Ask Mr Smith.", ["Mr Smith"]),
        ("Dr. Okafor agreed.", ["Dr. Okafor"]),
        ("DS Patel and PC Hughes came.", ["DS Patel", "PC Hughes"]),
        ("Then Sgt Lee phoned.", ["Sgt Lee"]),
        # roles and job titles
        ("The head teacher was clear.", ["head teacher"]),
        ("Our designated safeguarding lead helps.", ["designated safeguarding lead"]),
        ("The DSL rang the GP.", ["DSL", "GP"]),
        ("the team manager and the social worker", ["team manager", "social worker"]),
        (
            "a health visitor, a school nurse and a detective",
            ["health visitor", "school nurse", "detective"],
        ),
        ("the strategic lead spoke to the director", ["strategic lead", "director"]),
        ("the sergeant and the inspector", ["sergeant", "inspector"]),
        ("the chief and the chair", ["chief", "chair"]),
        ("Delays can lead to harm.", []),  # "lead" the verb is not a role
        # places and agencies of the round
        ("Things are better in the north cluster.", ["north cluster"]),
        ("Eastwick is different.", ["Eastwick"]),
        ("police share well", ["police"]),
        ("Children's social care are stretched.", ["Children's social care"]),
        # email addresses and phone numbers
        ("Write to jo.bloggs@example.org today.", ["jo.bloggs@example.org"]),
        ("ring 07700 900123 or +44 20 7946 0958", ["07700 900123", "+44 20 7946 0958"]),
        ("in 2019 and 2020, 45 people", []),  # years and counts are not phone numbers
        # first-person statements of role
        ("as the only one in the school, I see it", ["as the only one in the"]),
        ("I am the only nurse here", ["I am the only nurse here"]),
        ("As a result we improved.", []),
        ("nothing to note here", []),
    ],
)
def test_what_is_marked(text: str, marked: list[str]) -> None:
    page = str(highlight(text, PLACES, AGENCIES))
    found = [html.unescape(part.split("</mark>")[0]) for part in page.split("<mark>")[1:]]
    assert found == marked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Mr <b>Smith</b>", "Mr &lt;b&gt;<mark>Smith</mark>&lt;/b&gt;"),
        ("Tom & Jerry", "Tom &amp; <mark>Jerry</mark>"),
        ('Ask "Mr Smith"', "Ask &#34;<mark>Mr Smith</mark>&#34;"),
    ],
)
def test_user_text_is_escaped(text: str, expected: str) -> None:
    assert str(highlight(text)) == expected


def test_a_marked_place_is_escaped_inside_the_mark() -> None:
    html = str(highlight("we met at <Eastwick>", ["<Eastwick>"]))
    assert html == "we met at <mark>&lt;Eastwick&gt;</mark>"
    assert "<script" not in str(highlight("<script>", ["<script>"]))


def test_plain_text_comes_back_unchanged() -> None:
    text = "information sharing has improved a lot this year"
    assert str(highlight(text)) == text
