"""Results are published as releases, not streamed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("min_cell_size", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name="fk_releases_round_id_rounds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_releases"),
        sa.UniqueConstraint("round_id", "number", name="uq_releases_round_id_number"),
    )
    op.create_table(
        "downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("round_name", sa.String(length=200), nullable=True),
        sa.Column("release", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_downloads_user_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name="fk_downloads_round_id_rounds", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_downloads"),
    )
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.add_column(
            sa.Column("latest_release", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("comments_revision", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_column("comments_revision")
        batch_op.drop_column("latest_release")
    op.drop_table("downloads")
    op.drop_table("releases")
