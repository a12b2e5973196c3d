"""Submissions unlinkable from resume codes: no receipts, random ids

Submitting now deletes the draft instead of recording a receipt, and submission ids are
random 62-bit numbers rather than a counter, so neither a code nor the order of arrival
can be traced to a response.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SUBMISSION_KEYS = [
    ("submissions", "id"),
    ("answers", "submission_id"),
    ("feature_scores", "submission_id"),
    ("partner_ratings", "submission_id"),
    ("comments", "submission_id"),
]


def upgrade():
    with op.batch_alter_table("submission_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_receipts_round_id"))
    op.drop_table("submission_receipts")
    if op.get_bind().dialect.name == "postgresql":
        # SQLite's INTEGER already holds 64 bits; PostgreSQL needs BIGINT and no counter.
        op.execute("ALTER TABLE submissions ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS submissions_id_seq")
        for table, column in SUBMISSION_KEYS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in SUBMISSION_KEYS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
    op.create_table(
        "submission_receipts",
        sa.Column("id", sa.INTEGER(), nullable=False),
        sa.Column("round_id", sa.INTEGER(), nullable=False),
        sa.Column("code_hash", sa.VARCHAR(length=64), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"],
                                name=op.f("fk_submission_receipts_round_id_rounds"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_receipts")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_submission_receipts_code_hash")),
    )
    with op.batch_alter_table("submission_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_receipts_round_id"), ["round_id"],
                              unique=False)
