"""Idempotency keys of public submissions (issue #16, crash safety).

``idempotency_keys``: one row per submission that carried a key, naming the case it opened, so
a client that got no receipt can send the request again without a second case. The key and the
request are stored only as keyed hashes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table
from dsr.casefile.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    name = table("idempotency_keys")
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{name}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("key_hash", name=op.f(f"uq_{name}_key_hash")),
    )
    op.create_index(op.f(f"ix_{name}_case_id"), name, ["case_id"])


def downgrade() -> None:
    name = table("idempotency_keys")
    op.drop_index(op.f(f"ix_{name}_case_id"), table_name=name)
    op.drop_table(name)
