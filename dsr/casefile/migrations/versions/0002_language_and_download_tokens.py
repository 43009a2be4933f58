"""The requester's language on the case; when its answer was printed; download links by opaque
token instead of row id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dsr.casefile.types
from dsr.casefile.migrations.names import table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: cases opened before this revision keep the configured default language
    with op.batch_alter_table(table("cases")) as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("printed_at", dsr.casefile.types.UTCDateTime(), nullable=True))
    # nullable: offers made before this revision have no token and can no longer be reached
    with op.batch_alter_table(table("downloads")) as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f(f"uq_{table('downloads')}_token_hash"), ["token_hash"])


def downgrade() -> None:
    with op.batch_alter_table(table("downloads")) as batch:
        batch.drop_constraint(op.f(f"uq_{table('downloads')}_token_hash"), type_="unique")
        batch.drop_column("token_hash")
    with op.batch_alter_table(table("cases")) as batch:
        batch.drop_column("printed_at")
        batch.drop_column("language")
