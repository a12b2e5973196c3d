"""The projector shows one revealed screen at a time: which one the facilitator chose

Existing sessions open on the gap, as a new one does.

Revision ID: 0021_projector_screen
Revises: 0020_release_invariance
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_projector_screen"
down_revision = "0020_release_invariance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.add_column(
            sa.Column("projector_screen", sa.String(length=10), nullable=False, server_default="gap")
        )


def downgrade():
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.drop_column("projector_screen")
