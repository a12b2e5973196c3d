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
    # A session already running when this arrives starts with nothing published: its screens
    # show the room again as soon as each level group reaches k.
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.add_column(sa.Column("published", sa.Text(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("workshop_sessions") as batch_op:
        batch_op.drop_column("published")
