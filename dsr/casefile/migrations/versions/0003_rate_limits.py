"""Rate-limit counters shared by every portal process (``[portal] rate_limit_store = "database"``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dsr.casefile.types
from dsr.casefile.migrations.names import table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        table("rate_limits"),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("value", dsr.casefile.types.Blob(), nullable=True),
        sa.Column("expires_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f(f"pk_{table('rate_limits')}")),
    )
    with op.batch_alter_table(table("rate_limits")) as batch:
        batch.create_index(batch.f(f"ix_{table('rate_limits')}_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(table("rate_limits")) as batch:
        batch.drop_index(batch.f(f"ix_{table('rate_limits')}_expires_at"))
    op.drop_table(table("rate_limits"))
