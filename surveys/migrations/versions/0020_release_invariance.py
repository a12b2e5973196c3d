"""Releases keep their measurement invariance check, worked out after publication

The check (do managers and frontline staff read the statements alike?) fits several
five-factor models and takes tens of seconds, so it runs as a background job once a release
is stored, and writes its outcome here as JSON. Empty until then, and for releases published
before this migration.

Revision ID: 0020_release_invariance
Revises: 0019_agency_declarations
Create Date: 2026-12-04 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_release_invariance"
down_revision = "0019_agency_declarations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invariance", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_column("invariance")
