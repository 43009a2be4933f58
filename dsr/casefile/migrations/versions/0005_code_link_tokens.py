"""Verification links name their code by a random token (``codes.link_hash``), not the row id.

Codes issued before have no token; they expire within 30 minutes and the requester asks for a
new one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(table("codes")) as batch:
        batch.add_column(sa.Column("link_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f(f"uq_{table('codes')}_link_hash"), ["link_hash"])


def downgrade() -> None:
    with op.batch_alter_table(table("codes")) as batch:
        batch.drop_constraint(op.f(f"uq_{table('codes')}_link_hash"), type_="unique")
        batch.drop_column("link_hash")
