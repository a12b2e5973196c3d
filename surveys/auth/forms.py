"""Sign-in and account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSelect, GovTextInput
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from .service import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[InputRequired("Enter your email address"), Length(max=254)],
        widget=GovTextInput(),
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password")], widget=GovPasswordInput()
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password")],
        widget=GovPasswordInput(),
    )
    new = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words are easy "
        "to remember and hard to guess.",
        validators=[InputRequired("Enter a new password")],
        widget=GovPasswordInput(),
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            InputRequired("Enter the new password again"),
            EqualTo("new", "The two new passwords do not match"),
        ],
        widget=GovPasswordInput(),
    )


class NewUserForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[InputRequired("Enter their email address"), Length(max=254)],
        widget=GovTextInput(),
    )
    name = StringField(
        "Name",
        validators=[InputRequired("Enter their name"), Length(max=200)],
        widget=GovTextInput(),
    )
    role = SelectField("Role", widget=GovSelect())
    agency = SelectField(
        "Agency (agency leads only)",
        description="An agency lead sees the partnership overview and their own agency's detail.",
        widget=GovSelect(),
    )
    password = PasswordField(
        "Password to start with",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to them in person or "
        "by phone, and ask them to change it when they first sign in.",
        validators=[InputRequired("Enter a password for them")],
        widget=GovPasswordInput(),
    )


class ResetPasswordForm(FlaskForm):
    new = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters, not a common password. Give "
        "it to them in person or by phone, and ask them to change it when they sign in.",
        validators=[InputRequired("Enter a new password for them")],
        widget=GovPasswordInput(),
    )
