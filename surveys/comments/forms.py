"""The moderator's form for one comment: publish, withhold, or change the words and publish."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..responses.answers import COMMENT_MAX_LENGTH


class ModerationForm(FlaskForm):
    class Meta:
        # Each comment's form has its own prefix; the app checks the plain csrf_token on
        # every POST (CSRFProtect), so the page carries it unprefixed, as every form does.
        csrf = False

    text = TextAreaField(
        "Words to publish",
        description="Take out or reword anything that could identify someone, then publish.",
        validators=[
            # DataRequired: spaces alone are no comment.
            DataRequired("Enter the words to publish, or withhold the comment instead"),
            Length(
                max=COMMENT_MAX_LENGTH,
                message=f"The comment must be {COMMENT_MAX_LENGTH} characters or fewer",
            ),
        ],
        widget=GovTextArea(),
    )
