"""Rectifications (Art. 16) and objections (Art. 21) carried out (issue #14).

``rectifications``: one row per column corrected (or, where the controller cannot verify the
correct value, the supplementary statement recorded instead): before and after are personal
data and live here only, never in an application log or an audit event.
``objections``: the balancing decision with its reasons and, where upheld, what was stopped.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table
from dsr.casefile.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _case_fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table(name)}_case_id_{table('cases')}")
    )


def upgrade() -> None:
    op.create_table(
        table("rectifications"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("column", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
        _case_fk("rectifications"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('rectifications')}")),
    )
    op.create_index(op.f(f"ix_{table('rectifications')}_case_id"), table("rectifications"), ["case_id"])

    op.create_table(
        table("objections"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("processing", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("applied", sa.JSON(), nullable=True),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        _case_fk("objections"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('objections')}")),
    )
    op.create_index(op.f(f"ix_{table('objections')}_case_id"), table("objections"), ["case_id"])


def downgrade() -> None:
    for name in ("objections", "rectifications"):
        op.drop_index(op.f(f"ix_{table(name)}_case_id"), table_name=table(name))
        op.drop_table(table(name))
