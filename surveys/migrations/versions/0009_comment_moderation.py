"""Comments wait for moderation before anyone sees them

Every comment gets a status (pending until a moderator publishes, redacts or withholds it),
and each decision is audited: who, what and when, never the words.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        # A plain ADD COLUMN on SQLite: the table (WITHOUT ROWID since 0008) is not rebuilt.
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="pending", nullable=False)
        )
    op.create_table(
        "comment_moderations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("feature_id", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("moderated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["users.id"], name=op.f("fk_comment_moderations_moderator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_comment_moderations_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id", "feature_id"],
            ["comments.submission_id", "comments.feature_id"],
            name=op.f("fk_comment_moderations_submission_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_moderations")),
    )
    with op.batch_alter_table("comment_moderations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_moderations_comment", ["submission_id", "feature_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comment_moderations_round_id"), ["round_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("comment_moderations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_moderations_round_id"))
        batch_op.drop_index("ix_comment_moderations_comment")
    op.drop_table("comment_moderations")
    # SQLite rebuilds the table to drop a column: it must stay WITHOUT ROWID (0008).
    with op.batch_alter_table(
        "comments", schema=None, table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_column("status")
