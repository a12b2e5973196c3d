"""Workshop rooms keep the figures their screens last showed, to move them only in steps of k

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Sessions answered before this have nothing published: room.figures() then takes all
    # their answers as one step, and the next answer stores a snapshot.
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.add_column(sa.Column("published", sa.Text(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.drop_column("published")
