"""Erasure plans, the erasure log, holds and restrictions, Art. 19 notice tasks (issue #14).

``erasure_plans``: a plan (its id is its content hash), who proposed, approved and executed it.
``erasure_log``: ids and actions only, written before the store is changed and completed after.
``restrictions``: records restricted instead of erased, with their holds and until when.
``notices``: one Art. 19 task per recipient of an affected activity.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table
from dsr.casefile.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(name: str, column: str, target: str, key: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table(target)}.{key}"], name=op.f(f"fk_{table(name)}_{column}_{table(target)}")
    )


def _index(name: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table(name)}_{columns[0]}"), table(name), list(columns), unique=False)


def upgrade() -> None:
    op.create_table(
        table("erasure_plans"),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("controller", sa.String(length=100), nullable=False),
        sa.Column("subject_reference", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("executed_by", sa.String(length=64), nullable=True),
        sa.Column("executed_at", UTCDateTime(), nullable=True),
        _fk("erasure_plans", "case_id", "cases"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('erasure_plans')}")),
    )
    for column in ("case_id", "controller", "subject_reference", "state"):
        _index("erasure_plans", column)

    op.create_table(
        table("erasure_log"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("erase_action", sa.String(length=20), nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        _fk("erasure_log", "plan_id", "erasure_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('erasure_log')}")),
        sa.UniqueConstraint("plan_id", "seq", name=f"uq_{table('erasure_log')}_plan_seq"),
    )

    op.create_table(
        table("restrictions"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("controller", sa.String(length=100), nullable=False),
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("how", sa.String(length=10), nullable=False),
        sa.Column("holds", sa.JSON(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        _fk("restrictions", "plan_id", "erasure_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('restrictions')}")),
        sa.UniqueConstraint("plan_id", "store", "collection", "key", name=f"uq_{table('restrictions')}_plan_target"),
    )
    _index("restrictions", "plan_id")
    op.create_index(
        op.f(f"ix_{table('restrictions')}_controller_state"), table("restrictions"), ["controller", "state"]
    )

    op.create_table(
        table("notices"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.String(length=16), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("activity", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        _fk("notices", "case_id", "cases"),
        _fk("notices", "plan_id", "erasure_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('notices')}")),
        sa.UniqueConstraint("plan_id", "number", name=f"uq_{table('notices')}_plan_number"),
    )
    _index("notices", "case_id")
    _index("notices", "plan_id")


def downgrade() -> None:
    for name in ("notices", "restrictions", "erasure_log", "erasure_plans"):
        op.drop_table(table(name))
