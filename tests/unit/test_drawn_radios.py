"""Radios are drawn once per distinct question, answer and error, and kept: what is kept
must never show one person's page with another's answer or error, or text as markup."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup
from wtforms import Form, RadioField

from surveys.widgets import Radios, choices, forget_drawn


def question(label: str | Markup) -> type[Form]:
    class OneQuestion(Form):
        answer = RadioField(label, choices=choices([("1", "One"), ("2", "Two")]), widget=Radios())

    return OneQuestion


def drawn(app: Flask, form: Form) -> str:
    with app.test_request_context("/"):
        return str(form["answer"]())


def test_kept_radios_follow_the_answer_and_the_error(app: Flask) -> None:
    forget_drawn()
    Question = question("How far do you agree?")
    first = drawn(app, Question(data={"answer": "1"}))
    second = drawn(app, Question(data={"answer": "2"}))
    assert first != second
    assert 'value="1" checked' in first and 'value="2" checked' in second
    assert drawn(app, Question(data={"answer": "1"})) == first  # the kept copy, identical

    wrong = Question(data={"answer": "1"})
    wrong["answer"].errors = ["Select how far you agree"]
    with_error = drawn(app, wrong)
    assert "Select how far you agree" in with_error and with_error != first


def test_kept_radios_never_take_text_for_markup(app: Flask) -> None:
    forget_drawn()
    as_markup = drawn(app, question(Markup("<b>bold</b>"))())
    as_text = drawn(app, question("<b>bold</b>")())
    assert "<b>bold</b>" in as_markup
    assert "&lt;b&gt;bold&lt;/b&gt;" in as_text and "<b>bold</b>" not in as_text
