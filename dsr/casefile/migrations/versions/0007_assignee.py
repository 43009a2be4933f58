"""Who works a case, and the name as given for the case list and its search.

``cases.assignee`` is the staff member working the case (None: nobody yet). ``parties.name`` keeps
the first and last name as the request gave them and ``parties.search`` name and e-mail address
casefolded (both filled from the stored request for existing rows), so the case list shows and
searches them in SQL, one page at a time. On PostgreSQL trigram indexes (``pg_trgm``) on
``parties.search`` and ``cases.reference`` serve the search's ``LIKE '%…%'``; where the extension cannot be created the search reads the column without
it. The index is PostgreSQL's own, so it is not in ``schema.metadata``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    cases, users = table("cases"), table("users")
    with op.batch_alter_table(cases) as batch:
        batch.add_column(sa.Column("assignee", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f(f"fk_{cases}_assignee_{users}"), users, ["assignee"], ["id"])
        batch.create_index(batch.f(f"ix_{cases}_assignee"), ["assignee"], unique=False)
    with op.batch_alter_table(table("parties")) as batch:
        batch.add_column(sa.Column("name", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("search", sa.String(length=700), nullable=True))
    _fill_names()
    if op.get_bind().dialect.name == "postgresql" and _trigrams():
        for name, column in (("parties", "search"), ("cases", "reference")):
            op.create_index(
                op.f(f"ix_{table(name)}_{column}_trgm"),
                table(name),
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def _trigrams() -> bool:
    """Create pg_trgm if it is not there (a trusted extension: the database's owner may); False if
    the server refuses — the search then works without the index."""
    conn = op.get_bind()
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False
    return True


def _fill_names() -> None:
    """Name and search key of every existing party, from the request as stored."""
    parties = sa.table(
        table("parties"),
        sa.column("id", sa.Integer),
        sa.column("descriptor", sa.JSON),
        sa.column("email", sa.String),
        sa.column("name", sa.String),
        sa.column("search", sa.String),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(parties.c.id, parties.c.descriptor, parties.c.email)).all():
        given = row.descriptor or {}
        name = " ".join(str(given.get(k) or "") for k in ("first_name", "last_name") if given.get(k)).strip()
        search = " ".join(v for v in (name, row.email) if v).casefold()
        if search:
            conn.execute(
                sa.update(parties).where(parties.c.id == row.id).values(name=name[:300] or None, search=search[:700])
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS ix_{table('parties')}_search_trgm")
        op.execute(f"DROP INDEX IF EXISTS ix_{table('cases')}_reference_trgm")
    with op.batch_alter_table(table("parties")) as batch:
        batch.drop_column("search")
        batch.drop_column("name")
    cases, users = table("cases"), table("users")
    with op.batch_alter_table(cases) as batch:
        batch.drop_index(batch.f(f"ix_{cases}_assignee"))
        batch.drop_constraint(batch.f(f"fk_{cases}_assignee_{users}"), type_="foreignkey")
        batch.drop_column("assignee")
