"""Answer tables keep no order of arrival (SQLite: WITHOUT ROWID)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Tables with a composite key that hold someone's answers. On SQLite each had a hidden
# rowid counting up with every insert, so reading the rows by rowid told their order of
# arrival; WITHOUT ROWID tables are stored in primary-key order and keep no such count.
# PostgreSQL has no rowid (docs/anonymity.md says what its storage still shows).
ANSWER_TABLES = (
    "answers",
    "feature_scores",
    "partner_ratings",
    "comments",
    "response_tallies",
    "item_tallies",
    "feature_tallies",
    "complete_case_tallies",
    "item_pair_tallies",
    "partner_tallies",
    "workshop_answers",
)


def _recreate(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in ANSWER_TABLES:
        # SQLite cannot alter this: the table is copied into a new one, rows, indexes,
        # constraints and foreign keys with it. Later batch recreates keep WITHOUT ROWID,
        # since SQLAlchemy reflects it.
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
        ):
            pass


def upgrade():
    _recreate(with_rowid=False)


def downgrade():
    _recreate(with_rowid=True)
