"""Room for the second factor's secret encrypted at rest (``users.totp_secret``: 64 → 255 characters).

The secret is now stored as ``v1:`` + base64 of nonce, ciphertext and tag (dsr.casefile.totp_sealing),
longer than the base32 secret was. This migration does not encrypt: it has no ``[dsr] secret_key``.
Secrets stored in clear keep working and are encrypted at the user's next successful login or by
``dsr housekeeping``.

SQLite keeps the declared length of VARCHAR only as a name (any length fits), and changing it
would rebuild the users table that other tables refer to: nothing to do there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dsr.casefile.migrations.names import table

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        table("users"), "totp_secret", type_=sa.String(length=255), existing_type=sa.String(length=64), nullable=True
    )


def downgrade() -> None:
    users = sa.table(table("users"), sa.column("totp_secret", sa.String))
    encrypted = op.get_bind().execute(
        sa.select(sa.func.count()).select_from(users).where(users.c.totp_secret.startswith("v1:"))
    )
    if encrypted.scalar_one():
        # an older dsr cannot read them and they do not fit 64 characters: the second factors must go first
        raise RuntimeError("encrypted second-factor secrets exist: reset them (dsr user reset-totp) before downgrading")
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        table("users"), "totp_secret", type_=sa.String(length=64), existing_type=sa.String(length=255), nullable=True
    )
