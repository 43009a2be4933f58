"""Initial schema: users, cases and their parts, audit events, jobs.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 14:55:35.989367
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dsr.casefile.types
from dsr.casefile.migrations.names import table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = op.create_table(
        table("chain_head"),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('chain_head')}")),
    )
    # the audit chain starts from this genesis head (seq 0, hash of nothing)
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.create_table(
        table("events"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("case_ref", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('events')}")),
        sa.UniqueConstraint("seq", name=op.f(f"uq_{table('events')}_seq")),
    )
    with op.batch_alter_table(table("events"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('events')}_case_ref"), ["case_ref"], unique=False)

    op.create_table(
        table("users"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('users')}")),
        sa.UniqueConstraint("username", name=op.f(f"uq_{table('users')}_username")),
    )
    op.create_table(
        table("cases"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("controller", sa.String(length=100), nullable=False),
        sa.Column("land", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("request_types", sa.JSON(), nullable=False),
        sa.Column("acting", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("received_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extension_months", sa.Integer(), nullable=False),
        sa.Column("extension_notice_on", sa.Date(), nullable=True),
        sa.Column("subject_reference", sa.String(length=64), nullable=True),
        sa.Column("status_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prepared_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("dispatch_method", sa.String(length=20), nullable=True),
        sa.Column("dispatched_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("purged_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"], [f"{table('users')}.id"], name=op.f(f"fk_{table('cases')}_approved_by_{table('users')}")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by"], [f"{table('users')}.id"], name=op.f(f"fk_{table('cases')}_prepared_by_{table('users')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('cases')}")),
        sa.UniqueConstraint("reference", name=op.f(f"uq_{table('cases')}_reference")),
    )
    with op.batch_alter_table(table("cases"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('cases')}_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table('cases')}_controller"), ["controller"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table('cases')}_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table('cases')}_state"), ["state"], unique=False)

    op.create_table(
        table("memberships"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("controller", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], [f"{table('users')}.id"], name=op.f(f"fk_{table('memberships')}_user_id_{table('users')}")
        ),
        sa.PrimaryKeyConstraint("user_id", "controller", "role", name=op.f(f"pk_{table('memberships')}")),
    )
    op.create_table(
        table("sessions"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], [f"{table('users')}.id"], name=op.f(f"fk_{table('sessions')}_user_id_{table('users')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('sessions')}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{table('sessions')}_token_hash")),
    )
    with op.batch_alter_table(table("sessions"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('sessions')}_user_id"), ["user_id"], unique=False)

    op.create_table(
        table("candidates"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("strong", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('candidates')}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('candidates')}")),
        sa.UniqueConstraint("case_id", "reference", name=f"uq_{table('candidates')}_case_reference"),
    )
    with op.batch_alter_table(table("candidates"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('candidates')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("codes"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('codes')}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('codes')}")),
    )
    with op.batch_alter_table(table("codes"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('codes')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("comments"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.Integer(), nullable=True),
        sa.Column("at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author"], [f"{table('users')}.id"], name=op.f(f"fk_{table('comments')}_author_{table('users')}")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('comments')}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('comments')}")),
    )
    with op.batch_alter_table(table("comments"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('comments')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("documents"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", dsr.casefile.types.Blob(), nullable=True),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('documents')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], [f"{table('users')}.id"], name=op.f(f"fk_{table('documents')}_created_by_{table('users')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('documents')}")),
    )
    with op.batch_alter_table(table("documents"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('documents')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("identity_checks"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("performed_by", sa.Integer(), nullable=True),
        sa.Column("performed_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('identity_checks')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["performed_by"],
            [f"{table('users')}.id"],
            name=op.f(f"fk_{table('identity_checks')}_performed_by_{table('users')}"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('identity_checks')}")),
    )
    with op.batch_alter_table(table("identity_checks"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('identity_checks')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("identity_queries"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('identity_queries')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"], [f"{table('users')}.id"], name=op.f(f"fk_{table('identity_queries')}_sent_by_{table('users')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('identity_queries')}")),
    )
    with op.batch_alter_table(table("identity_queries"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('identity_queries')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("jobs"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("lease_until", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('jobs')}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('jobs')}")),
    )
    with op.batch_alter_table(table("jobs"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('jobs')}_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table('jobs')}_state"), ["state"], unique=False)

    op.create_table(
        table("parties"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("descriptor", sa.JSON(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("postal_address", sa.Text(), nullable=True),
        sa.Column("email_verified_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.Column("authorisation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('parties')}_case_id_{table('cases')}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('parties')}")),
    )
    with op.batch_alter_table(table("parties"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('parties')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("review_items"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("ground", sa.String(length=50), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('review_items')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            [f"{table('users')}.id"],
            name=op.f(f"fk_{table('review_items')}_decided_by_{table('users')}"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('review_items')}")),
        sa.UniqueConstraint("case_id", "item", name=f"uq_{table('review_items')}_case_item"),
    )
    with op.batch_alter_table(table("review_items"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('review_items')}_case_id"), ["case_id"], unique=False)

    op.create_table(
        table("downloads"),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", dsr.casefile.types.UTCDateTime(), nullable=False),
        sa.Column("max_count", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("ended_at", dsr.casefile.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], [f"{table('cases')}.id"], name=op.f(f"fk_{table('downloads')}_case_id_{table('cases')}")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            [f"{table('documents')}.id"],
            name=op.f(f"fk_{table('downloads')}_document_id_{table('documents')}"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table('downloads')}")),
    )
    with op.batch_alter_table(table("downloads"), schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table('downloads')}_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(table("downloads"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('downloads')}_case_id"))

    op.drop_table(table("downloads"))
    with op.batch_alter_table(table("review_items"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('review_items')}_case_id"))

    op.drop_table(table("review_items"))
    with op.batch_alter_table(table("parties"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('parties')}_case_id"))

    op.drop_table(table("parties"))
    with op.batch_alter_table(table("jobs"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('jobs')}_state"))
        batch_op.drop_index(batch_op.f(f"ix_{table('jobs')}_case_id"))

    op.drop_table(table("jobs"))
    with op.batch_alter_table(table("identity_queries"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('identity_queries')}_case_id"))

    op.drop_table(table("identity_queries"))
    with op.batch_alter_table(table("identity_checks"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('identity_checks')}_case_id"))

    op.drop_table(table("identity_checks"))
    with op.batch_alter_table(table("documents"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('documents')}_case_id"))

    op.drop_table(table("documents"))
    with op.batch_alter_table(table("comments"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('comments')}_case_id"))

    op.drop_table(table("comments"))
    with op.batch_alter_table(table("codes"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('codes')}_case_id"))

    op.drop_table(table("codes"))
    with op.batch_alter_table(table("candidates"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('candidates')}_case_id"))

    op.drop_table(table("candidates"))
    with op.batch_alter_table(table("sessions"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('sessions')}_user_id"))

    op.drop_table(table("sessions"))
    op.drop_table(table("memberships"))
    with op.batch_alter_table(table("cases"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('cases')}_state"))
        batch_op.drop_index(batch_op.f(f"ix_{table('cases')}_due_on"))
        batch_op.drop_index(batch_op.f(f"ix_{table('cases')}_controller"))
        batch_op.drop_index(batch_op.f(f"ix_{table('cases')}_closed_at"))

    op.drop_table(table("cases"))
    op.drop_table(table("users"))
    with op.batch_alter_table(table("events"), schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table('events')}_case_ref"))

    op.drop_table(table("events"))
    op.drop_table(table("chain_head"))
