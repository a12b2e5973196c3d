"""Against ballot stuffing: invitation codes, phones joined

Revision ID: 0012_invitations
Revises: 0010
Create Date: 2026-12-04 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_invitations"
down_revision = "0011_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(
            sa.Column(
                "invitations_required", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("workshop_sessions") as batch:
        batch.add_column(
            sa.Column("phones_joined", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "invitation_codes",
        # The hash is the key: no sequential id to match to a code. Spending deletes the row.
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name="fk_invitation_codes_round_id_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name="pk_invitation_codes"),
    )
    op.create_table(
        "invitation_codes_issued",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name="fk_invitation_codes_issued_round_id_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "agency_id", name="pk_invitation_codes_issued"),
    )
    op.create_index(
        "ix_invitation_codes_round_id", "invitation_codes", ["round_id"], unique=False
    )


def downgrade():
    op.drop_index("ix_invitation_codes_round_id", table_name="invitation_codes")
    op.drop_table("invitation_codes")
    op.drop_table("invitation_codes_issued")
    with op.batch_alter_table("workshop_sessions") as batch:
        batch.drop_column("phones_joined")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("invitations_required")
