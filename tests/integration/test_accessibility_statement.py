"""The accessibility statement has the parts the Public Sector Bodies Accessibility
Regulations 2018 require (the GOV.UK model statement)."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

REQUIRED_PARTS = (
    "Accessibility statement for Boundary",
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Equality and Human Rights Commission (EHRC)",
    "Equality Advisory and Support Service (EASS)",
    "Equality Commission for Northern Ireland",
    "Compliance status",
    "partially compliant with the",
    "Non-accessible content",
    "Non-compliance with the accessibility regulations",
    "Disproportionate burden",
    "Preparation of this accessibility statement",
    "This statement was prepared on",
)


def statement(client: FlaskClient) -> str:
    response = client.get("/accessibility")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_statement_has_every_required_part(client: FlaskClient) -> None:
    page = statement(client)
    missing = [part for part in REQUIRED_PARTS if part not in page]
    assert missing == []
    assert "Testshire Safeguarding Children Partnership" in page  # who runs the service


def test_without_a_contact_address_people_are_told_whom_to_ask(client: FlaskClient) -> None:
    page = statement(client)
    assert "mailto:" not in page
    assert "contact the person or team who sent you the survey link" in page


def test_a_configured_contact_address_is_given_for_reports(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ACCESSIBILITY_CONTACT", "access@testshire.example")
    page = statement(client)
    assert page.count('href="mailto:access@testshire.example"') == 2
