"""Drop feature_scores: nothing read it, and the feature tallies hold the same figures

Each respondent's feature scores were written twice at submit time: as a row per feature
here, and folded into feature_tallies, which the analysis reads. No application code read
this table, so it goes, and a feature score has one write path and one source of truth.
A respondent's feature scores still follow from their answers (the answers table), which
is why dropping it shows no less to someone with a copy of the database.

Revision ID: 0017_drop_feature_scores
Revises: 0016_workshop_reports
Create Date: 2026-12-04 21:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_drop_feature_scores"
down_revision = "0016_workshop_reports"
branch_labels = None
depends_on = None

SUBMISSION_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("feature_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_scores_round_feature")
    op.drop_table("feature_scores")


def downgrade():
    # The table comes back as it was left by 0008, empty: the older code only wrote to it.
    op.create_table(
        "feature_scores",
        sa.Column("submission_id", SUBMISSION_ID, nullable=False),
        sa.Column("feature_id", sa.String(length=80), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("dont_know", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"],
            name=op.f("fk_feature_scores_round_id_rounds"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"],
            name=op.f("fk_feature_scores_submission_id_submissions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", "feature_id", name=op.f("pk_feature_scores")),
        sqlite_with_rowid=False,  # no hidden rowid: no order of arrival (0008)
    )
    with op.batch_alter_table("feature_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feature_scores_round_feature", ["round_id", "feature_id"], unique=False
        )
