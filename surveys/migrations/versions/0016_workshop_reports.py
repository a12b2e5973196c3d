"""Workshop reports stored like release reports: typeset by a job, not in a request

A stored report is now a release's (release and round set) or a workshop's (workshop set,
release and round not: a workshop may have no round).

Revision ID: 0016_workshop_reports
Revises: 0015_reports
Create Date: 2026-12-04 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016_workshop_reports"
down_revision = "0015_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stored_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workshop_id", sa.Integer(), nullable=True))
        batch_op.alter_column("release_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_stored_reports_workshop_id_workshop_sessions",
            "workshop_sessions",
            ["workshop_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            "uq_stored_reports_workshop_id_edition", ["workshop_id", "edition"]
        )


def downgrade():
    # Workshops' reports cannot be kept without a release: they are typeset again on demand
    # (by the version of Boundary that is downgraded to, in the request).
    op.execute(
        "DELETE FROM stored_reports "
        "WHERE workshop_id IS NOT NULL OR release_id IS NULL OR round_id IS NULL"
    )
    with op.batch_alter_table("stored_reports", schema=None) as batch_op:
        batch_op.drop_constraint("uq_stored_reports_workshop_id_edition", type_="unique")
        batch_op.drop_constraint(
            "fk_stored_reports_workshop_id_workshop_sessions", type_="foreignkey"
        )
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("release_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("workshop_id")
