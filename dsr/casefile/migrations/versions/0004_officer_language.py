"""The language an officer chose for the officer pages (None: the browser's Accept-Language).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(table("users")) as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(table("users")) as batch:
        batch.drop_column("language")
