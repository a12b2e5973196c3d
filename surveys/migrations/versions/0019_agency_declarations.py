"""Agency declarations: what each agency says of its own partnership working in a round

An agency lead answers the round's statements for their agency, and releases set the answers
beside what the agency's own staff said (surveys/rounds/declarations.py). A declaration is
attributed to its agency; who made it and when is in the audit log.

Revision ID: 0019_agency_declarations
Revises: 0018_survey_codes
Create Date: 2026-12-04 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_agency_declarations"
down_revision = "0018_survey_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agency_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_agency_declarations_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_declarations")),
        sa.UniqueConstraint(
            "round_id", "agency_id", name=op.f("uq_agency_declarations_round_id_agency_id")
        ),
    )
    op.create_table(
        "agency_declaration_answers",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["agency_declarations.id"],
            name=op.f("fk_agency_declaration_answers_declaration_id_agency_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "declaration_id", "item_id", name=op.f("pk_agency_declaration_answers")
        ),
    )


def downgrade():
    op.drop_table("agency_declaration_answers")
    op.drop_table("agency_declarations")
