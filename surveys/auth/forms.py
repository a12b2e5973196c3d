"""Sign-in and account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSelect, GovTextInput
from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from .service import EMAIL_MAX_LENGTH, MIN_PASSWORD_LENGTH, normalise_email


def stored_email_length(_form: FlaskForm, field: Field) -> None:
    """The length checked is that of the address as stored: lower-casing can lengthen it
    (a capital dotted I becomes two characters), past what the column holds."""
    if len(normalise_email(str(field.data or ""))) > EMAIL_MAX_LENGTH:
        raise ValidationError(f"Enter an email address of {EMAIL_MAX_LENGTH} characters or fewer")


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[InputRequired("Enter your email address"), stored_email_length],
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
        validators=[InputRequired("Enter their email address"), stored_email_length],
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
