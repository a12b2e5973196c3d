"""Short survey codes for posters: one per survey link (a round, and the agency it chooses)

Codes are made the first time a round's links are shown, so existing rounds need no data
migration here.

Revision ID: 0018_survey_codes
Revises: 0017_drop_feature_scores
Create Date: 2026-12-04 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_survey_codes"
down_revision = "0017_drop_feature_scores"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_codes",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        # "" for the round's own link, which chooses no agency.
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name="fk_survey_codes_round_id_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name="pk_survey_codes"),
        sa.UniqueConstraint("round_id", "agency_id", name="uq_survey_codes_round_id_agency_id"),
    )
    op.create_index("ix_survey_codes_round_id", "survey_codes", ["round_id"], unique=False)


def downgrade():
    op.drop_index("ix_survey_codes_round_id", table_name="survey_codes")
    op.drop_table("survey_codes")
