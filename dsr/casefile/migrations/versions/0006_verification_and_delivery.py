"""Verification bound to a candidate, masked hints among namesakes, and the delivery record.

An identity check now names the candidate it verified and the evidence compared; a candidate
keeps whether the requester's address is on file for it and the masked attributes that tell
namesakes apart; ``deliveries`` holds where the answer may go (system plan or officer decision,
with a second person's approval for an electronic delivery to an address not on file).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table
from dsr.casefile.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(table("identity_checks")) as batch:
        batch.add_column(sa.Column("candidate", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("evidence", sa.String(length=40), nullable=True))
    with op.batch_alter_table(table("candidates")) as batch:
        batch.add_column(sa.Column("email_on_file", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("hints", sa.JSON(), nullable=True))
    op.create_table(
        table("deliveries"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('deliveries')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], [f"{table('users')}.id"], name=op.f(f"fk_{table('deliveries')}_decided_by_{table('users')}")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            [f"{table('users')}.id"],
            name=op.f(f"fk_{table('deliveries')}_approved_by_{table('users')}"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('deliveries')}")),
    )
    with op.batch_alter_table(table("deliveries")) as batch:
        batch.create_index(batch.f(f"ix_{table('deliveries')}_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(table("deliveries")) as batch:
        batch.drop_index(batch.f(f"ix_{table('deliveries')}_case_id"))
    op.drop_table(table("deliveries"))
    with op.batch_alter_table(table("candidates")) as batch:
        batch.drop_column("hints")
        batch.drop_column("email_on_file")
    with op.batch_alter_table(table("identity_checks")) as batch:
        batch.drop_column("evidence")
        batch.drop_column("candidate")
