"""The portal's own tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Which columns hold personal data matters for retention (``retention.py`` empties them):
parties, identity-check notes, comments, candidate evidence, documents and codes. Events and
jobs hold ids, references and what happened — never a name or address.
"""

from __future__ import annotations

import sqlalchemy as sa

from dsr.casefile.types import Blob, LongText, UTCDateTime
from dsr.config import DEFAULT_TABLE_PREFIX as DEFAULT_PREFIX

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: the canonical table names are the real ones under the default prefix (see the module docstring)
PREFIX = DEFAULT_PREFIX

CONTROLLER = sa.String(100)  # a key of [controllers.*] in dsr.toml


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _case_fk(nullable: bool = False) -> sa.Column[int]:
    return sa.Column("case_id", sa.Integer, sa.ForeignKey(PREFIX + "cases.id"), nullable=nullable, index=True)


def _user_fk(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey(PREFIX + "users.id"), nullable=True)


# ----------------------------------------------------------------------------------- users

users = sa.Table(
    PREFIX + "users",
    metadata,
    _id(),
    sa.Column("username", sa.String(120), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    # encrypted (v1:…, dsr.casefile.totp_sealing; base32 in clear before); None = no second factor
    sa.Column("totp_secret", sa.String(255), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),  # refuses replaying a used code
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("language", sa.String(5), nullable=True),  # de | en for the officer pages; None = the browser's
)

memberships = sa.Table(
    PREFIX + "memberships",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey(PREFIX + "users.id"), primary_key=True),
    sa.Column("controller", CONTROLLER, primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),  # officer | approver | admin
)

sessions = sa.Table(
    PREFIX + "sessions",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey(PREFIX + "users.id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

# ----------------------------------------------------------------------------------- cases

cases = sa.Table(
    PREFIX + "cases",
    metadata,
    _id(),
    sa.Column("reference", sa.String(32), nullable=False, unique=True),
    sa.Column("controller", CONTROLLER, nullable=False, index=True),
    sa.Column("land", sa.String(2), nullable=False),
    sa.Column("state", sa.String(32), nullable=False, index=True),
    sa.Column("request_types", sa.JSON, nullable=False),  # ["access", "erasure", ...]
    sa.Column("acting", sa.String(20), nullable=False),  # self | parent | representative
    sa.Column("channel", sa.String(20), nullable=False),  # portal | post | email | in_person
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False, index=True),
    sa.Column("extension_months", sa.Integer, nullable=False, default=0),
    sa.Column("extension_notice_on", sa.Date, nullable=True),
    sa.Column("subject_reference", sa.String(64), nullable=True),  # opaque candidate reference
    sa.Column("status_secret_hash", sa.String(64), nullable=False),
    sa.Column("prepared_by", sa.Integer, sa.ForeignKey(PREFIX + "users.id"), nullable=True),
    sa.Column("approved_by", sa.Integer, sa.ForeignKey(PREFIX + "users.id"), nullable=True),
    sa.Column("dispatch_method", sa.String(20), nullable=True),  # post | download
    sa.Column("dispatched_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True, index=True),
    sa.Column("purged_at", UTCDateTime, nullable=True),
    sa.Column("language", sa.String(5), nullable=True),  # the requester's: de | en (None = default)
    sa.Column("printed_at", UTCDateTime, nullable=True),  # the approved answer went into a print batch
    #: the staff member working the case (None: nobody yet); 0007
    sa.Column("assignee", sa.Integer, sa.ForeignKey(PREFIX + "users.id"), nullable=True, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: the people of a case: the data subject and, when someone acts for them, the requester
parties = sa.Table(
    PREFIX + "parties",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("role", sa.String(20), nullable=False),  # subject | requester
    sa.Column("descriptor", sa.JSON, nullable=True),  # dsr.model.Descriptor as JSON
    #: first and last name as given, for the case list (0007)
    sa.Column("name", sa.String(300), nullable=True),
    #: name and e-mail address casefolded, what the case list searches (0007; trigram index on PostgreSQL)
    sa.Column("search", sa.String(700), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("postal_address", sa.Text, nullable=True),
    sa.Column("email_verified_at", UTCDateTime, nullable=True),
    sa.Column("authorisation", sa.Text, nullable=True),  # how a parent/representative proved it
)

candidates = sa.Table(
    PREFIX + "candidates",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("reference", sa.String(64), nullable=False),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("strong", sa.Boolean, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),  # [{"store","kind","strong"}]
    sa.Column("confirmed", sa.Boolean, nullable=False, default=False),
    #: the requester's contact address is one of this person's e-mail addresses in the stores
    sa.Column("email_on_file", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    #: what tells namesakes apart, masked (dsr.casefile.identity.CandidateHints as JSON)
    sa.Column("hints", sa.JSON, nullable=True),
    sa.UniqueConstraint("case_id", "reference", name=f"uq_{PREFIX}candidates_case_reference"),
)

identity_checks = sa.Table(
    PREFIX + "identity_checks",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("method", sa.String(30), nullable=False),  # dsr.casefile.identity.CheckMethod
    _user_fk("performed_by"),  # None: recorded by the system (a code, a James login)
    sa.Column("performed_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    #: the candidate reference the check verified: a check proves one person, never another
    sa.Column("candidate", sa.String(64), nullable=True),
    sa.Column("evidence", sa.String(40), nullable=True),  # what was compared (dsr.casefile.identity.EVIDENCE)
)

#: where the answer may go: the system's plan, or an officer's decision (a second person approves
#: an electronic delivery to an address that is not on file)
deliveries = sa.Table(
    PREFIX + "deliveries",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("route", sa.String(20), nullable=False),  # download | post
    sa.Column("basis", sa.String(40), nullable=False),  # dsr.casefile.delivery.Basis
    sa.Column("reason", sa.String(40), nullable=True),  # coded ground of an officer decision
    _user_fk("decided_by"),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    _user_fk("approved_by"),
    sa.Column("approved_at", UTCDateTime, nullable=True),
)

#: justified identity queries: the deadline is paused while one is unanswered
identity_queries = sa.Table(
    PREFIX + "identity_queries",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("sent_on", sa.Date, nullable=False),
    sa.Column("answered_on", sa.Date, nullable=True),
    _user_fk("sent_by"),
)

review_items = sa.Table(
    PREFIX + "review_items",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("item", sa.String(200), nullable=False),  # e.g. "school/incidents/17"
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("decision", sa.String(20), nullable=True),  # None = open; disclose | redact | withhold
    sa.Column("ground", sa.String(50), nullable=True),
    _user_fk("decided_by"),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("case_id", "item", name=f"uq_{PREFIX}review_items_case_item"),
)

comments = sa.Table(
    PREFIX + "comments",
    metadata,
    _id(),
    _case_fk(),
    _user_fk("author"),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

documents = sa.Table(
    PREFIX + "documents",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("kind", sa.String(30), nullable=False),  # answer | extension_notice | identity_query | ...
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", Blob, nullable=True),  # None once purged
    sa.Column("created_at", UTCDateTime, nullable=False),
    _user_fk("created_by"),
)

downloads = sa.Table(
    PREFIX + "downloads",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("document_id", sa.Integer, sa.ForeignKey(PREFIX + "documents.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("max_count", sa.Integer, nullable=False),
    sa.Column("count", sa.Integer, nullable=False, default=0),
    sa.Column("ended_at", UTCDateTime, nullable=True),  # expired, used up or revoked
    # sha256 of the random token in the download link (the link never carries the row id)
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
)

#: short one-time codes sent by e-mail (address verification, download); stored keyed-hashed
codes = sa.Table(
    PREFIX + "codes",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("purpose", sa.String(20), nullable=False),  # verify_email | download
    sa.Column("target_id", sa.Integer, nullable=True),  # party id / download id
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("used_at", UTCDateTime, nullable=True),
    # sha256 of the random token naming the code in a mail's link (verification); never the row id
    sa.Column("link_hash", sa.String(64), nullable=True, unique=True),
)

# ----------------------------------------------------------------------------------- audit

events = sa.Table(
    PREFIX + "events",
    metadata,
    _id(),
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("case_ref", sa.String(32), nullable=True, index=True),  # a reference, not a key: survives purges
    sa.Column("actor", sa.String(64), nullable=False),  # "user:3", "requester", "system", "worker"
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON, hashed as stored
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

#: one row: the last event's seq and hash. Appenders lock it, so the chain never forks, and
#: verification compares it with the last event, so deleting the newest events shows.
chain_head = sa.Table(
    PREFIX + "chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# ----------------------------------------------------------------------------------- jobs

jobs = sa.Table(
    PREFIX + "jobs",
    metadata,
    _id(),
    sa.Column("kind", sa.String(50), nullable=False),  # gather | render | ...
    _case_fk(nullable=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),  # queued | running | done | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("not_before", UTCDateTime, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("heartbeat_at", UTCDateTime, nullable=True),
    sa.Column("claim", sa.String(32), nullable=True),  # token of the worker holding the lease
    sa.Column("version", sa.Integer, nullable=False, default=0),  # optimistic claim
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("progress", sa.JSON, nullable=False),  # {store: {"state", "records", "error", "attempts"}}
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
)

# --------------------------------------------------------------------------- rate limits

#: the portal's shared rate-limit counters and key/value entries (dsr.casefile.ratelimit); the key
#: is a hash, so no client address is stored in clear
rate_limits = sa.Table(
    PREFIX + "rate_limits",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("value", Blob, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True, index=True),
)

# ------------------------------------------------------------------- erasure (0008)

#: erasure plans (dsr.pipeline.erasure.ErasurePlan): the id is the plan's content hash, so an
#: approval names exactly the plan approved. ``plan``: plan.json as written (record keys, no values)
erasure_plans = sa.Table(
    PREFIX + "erasure_plans",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # "E-" + 12 hex digits
    _case_fk(nullable=True),
    sa.Column("controller", CONTROLLER, nullable=False, index=True),
    sa.Column("subject_reference", sa.String(64), nullable=False, index=True),
    sa.Column("plan", LongText, nullable=False),  # MariaDB: LONGTEXT (migration 0012)
    sa.Column("state", sa.String(20), nullable=False, index=True),  # proposed | approved | executed | superseded
    sa.Column("proposed_by", sa.String(64), nullable=False),  # an audit actor ("user:3", "cli")
    sa.Column("proposed_at", UTCDateTime, nullable=False),
    sa.Column("approved_by", sa.String(64), nullable=True),
    sa.Column("approved_at", UTCDateTime, nullable=True),
    sa.Column("executed_by", sa.String(64), nullable=True),
    sa.Column("executed_at", UTCDateTime, nullable=True),
)

#: what was done to which record, in order: ids and actions only, never a value. A row is written
#: before its store is changed (``done_at`` None) and completed after the store committed, so a
#: crash in between is found and finished by running again
erasure_log = sa.Table(
    PREFIX + "erasure_log",
    metadata,
    _id(),
    sa.Column("plan_id", sa.String(16), sa.ForeignKey(PREFIX + "erasure_plans.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("collection", sa.String(100), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # erase | restrict | lift | list
    sa.Column("erase_action", sa.String(20), nullable=True),  # delete | anonymise | overwrite
    sa.Column("changed", sa.Boolean, nullable=True),  # None until the store committed
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("plan_id", "seq", name=f"uq_{PREFIX}erasure_log_plan_seq"),
)

#: records restricted instead of erased (Art. 18), each scheduled for erasure when its holds end;
#: ``how``: flag (the store's column) | list (dsr's restriction list, honoured by gather and
#: exported by ``dsr restricted``)
restrictions = sa.Table(
    PREFIX + "restrictions",
    metadata,
    _id(),
    sa.Column("controller", CONTROLLER, nullable=False),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("collection", sa.String(100), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("how", sa.String(10), nullable=False),  # flag | list
    sa.Column("holds", sa.JSON, nullable=False),  # [{"kind", "until", "kept_with"}]: kinds, dates and ids
    sa.Column("until", sa.Date, nullable=True),  # the last day of the dated holds; None: a condition lasts
    sa.Column("state", sa.String(20), nullable=False),  # restricted | erased | lifted
    sa.Column("plan_id", sa.String(16), sa.ForeignKey(PREFIX + "erasure_plans.id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Index(f"ix_{PREFIX}restrictions_controller_state", "controller", "state"),
    sa.UniqueConstraint("plan_id", "store", "collection", "key", name=f"uq_{PREFIX}restrictions_plan_target"),
)

#: Art. 19 GDPR: one task per named recipient of an affected activity, until done or documented
#: as impossible or disproportionate
notices = sa.Table(
    PREFIX + "notices",
    metadata,
    _id(),
    _case_fk(nullable=True),
    sa.Column("plan_id", sa.String(16), sa.ForeignKey(PREFIX + "erasure_plans.id"), nullable=True, index=True),
    sa.Column("number", sa.Integer, nullable=False),  # the recipient's place in the plan
    sa.Column("kind", sa.String(20), nullable=False),  # erasure | restriction | rectification
    sa.Column("activity", sa.String(100), nullable=False),
    sa.Column("recipient", sa.JSON, nullable=False),  # the recipient's name by language
    sa.Column("channel", sa.String(10), nullable=False),  # letter | email
    sa.Column("state", sa.String(20), nullable=False),  # open | done | impossible | disproportionate
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("plan_id", "number", name=f"uq_{PREFIX}notices_plan_number"),
)

# ------------------------------------------------------------ rectification, objection (0009)

#: Art. 16: one row per column corrected through the connector, or the supplementary statement
#: recorded where the controller cannot verify the correct value (``applied`` False). ``before`` and
#: ``after`` are personal data: kept here only (retention empties them with the case), never logged
rectifications = sa.Table(
    PREFIX + "rectifications",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("collection", sa.String(100), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("column", sa.String(100), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),  # the stored value as JSON (dates as ISO text)
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("applied", sa.Boolean, nullable=False),  # the store was changed
    sa.Column("verified", sa.Boolean, nullable=False),  # the controller verified the correct value
    sa.Column("statement", sa.Text, nullable=True),  # the supplementary statement (Art. 16 sentence 2)
    sa.Column("applied_by", sa.String(64), nullable=False),  # an audit actor ("user:3")
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

#: Art. 21: the balancing decision on an objection, its reasons, and what stopping the processing did
objections = sa.Table(
    PREFIX + "objections",
    metadata,
    _id(),
    _case_fk(),
    sa.Column("processing", sa.String(100), nullable=False),  # an activity of the register, or loan_history
    sa.Column("decision", sa.String(20), nullable=False),  # upheld | rejected
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.Column("applied", sa.JSON, nullable=True),  # counts of what was stopped: {"rectified": 1, "anonymised": 4}
    sa.Column("applied_at", UTCDateTime, nullable=True),
)

# ------------------------------------------------------------------------ idempotency keys

#: a submission's idempotency key (dsr.casefile.idempotency): a resubmission with the same key
#: finds its case instead of opening another. Only keyed hashes are stored, never the key.
idempotency_keys = sa.Table(
    PREFIX + "idempotency_keys",
    metadata,
    _id(),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    _case_fk(),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # keyed hash of the request as typed
    sa.Column("created_at", UTCDateTime, nullable=False),
)
