"""Erasure plans of any length on MariaDB (``erasure_plans.plan``: TEXT → LONGTEXT).

MariaDB's TEXT holds 64 KiB; the plan of a reader with years of loans, fees and log lines is
longer, and proposing it failed with "Data too long". PostgreSQL's and SQLite's TEXT have no such
limit: nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from dsr.casefile.migrations.names import table

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    op.alter_column(table("erasure_plans"), "plan", type_=mysql.LONGTEXT(), existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    # a plan longer than 64 KiB would be cut: refuse instead
    plans = sa.table(table("erasure_plans"), sa.column("plan", sa.Text))
    longest = op.get_bind().execute(sa.select(sa.func.max(sa.func.length(plans.c.plan)))).scalar()
    if longest is not None and longest > 65535:
        raise RuntimeError("erasure plans longer than 64 KiB exist: they do not fit TEXT")
    op.alter_column(table("erasure_plans"), "plan", type_=sa.Text(), existing_type=mysql.LONGTEXT(), nullable=False)
