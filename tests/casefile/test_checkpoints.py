"""Signed checkpoints anchor the audit chain outside the database.

An attacker with write access to the database rewrites an event and recomputes every later hash
and the head, as :func:`dsr.casefile.audit.event_hash` does: the plain chain check still passes
(shown), the check against checkpoints taken before does not. A checkpoint forged or altered
without the key fails its signature. Each on SQLite, PostgreSQL and MariaDB (``engine``), through
``dsr audit checkpoint`` / ``dsr audit verify --checkpoints`` as an operator runs them.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import secrets
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import audit, checkpoints
from dsr.casefile.schema import chain_head, events
from dsr.cli import EXIT_CONFIG, EXIT_FOUND, EXIT_OK, main
from dsr.config import load
from dsr.errors import ConfigError
from dsr.service.housekeeping import tidy
from tests.settings import controller_toml

T0 = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def _log(engine: sa.Engine, n: int, start: int = 0) -> None:
    with engine.begin() as conn:
        for i in range(start, start + n):
            audit.append(
                conn,
                "state changed",
                actor="user:1",
                case_ref="DSR-2026-AAAAAA",
                detail={"i": i},
                now=T0 + dt.timedelta(seconds=i),
            )


def _rewrite_as_an_attacker(engine: sa.Engine, seq: int, actor: str) -> None:
    """Change one event and recompute the hash of it and every later one, and the head."""
    with engine.begin() as conn:
        rows = conn.execute(sa.select(events).where(events.c.seq >= seq).order_by(events.c.seq)).all()
        prev = rows[0].prev_hash
        for row in rows:
            who = actor if row.seq == seq else row.actor
            digest = audit.event_hash(
                seq=row.seq,
                at=row.at,
                case_ref=row.case_ref,
                actor=who,
                action=row.action,
                detail=row.detail,
                prev_hash=prev,
            )
            conn.execute(
                sa.update(events).where(events.c.seq == row.seq).values(actor=who, prev_hash=prev, hash=digest)
            )
            prev = digest
        conn.execute(sa.update(chain_head).where(chain_head.c.id == 1).values(hash=prev))


@pytest.fixture
def config(engine: sa.Engine, tmp_path: Path) -> Path:
    """A dsr.toml on ``engine``'s database, with a checkpoint key of its own (mode 600) and mail to files."""
    key = tmp_path / "keys" / "audit.key"
    key.parent.mkdir()
    key.write_text(secrets.token_hex(32))
    key.chmod(0o600)
    url = engine.url.render_as_string(hide_password=False)
    file = tmp_path / "dsr.toml"
    file.write_text(
        f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n'
        f'[portal]\ndatabase_url = "{url}"\n'
        '[portal.mail]\nbackend = "file"\ndirectory = "mail"\n'
        '[portal.audit]\ncheckpoint_key_file = "keys/audit.key"\ncheckpoint_file = "anchor/audit-checkpoints.jsonl"\n'
        'digest_to = "revision@gym.example"\n' + controller_toml()
    )
    return file


def dsr(*argv: str) -> int:
    return main(list(argv))


def test_a_rewritten_chain_passes_the_plain_check_but_not_the_checkpoints(
    engine: sa.Engine, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _log(engine, 5)
    anchor = tmp_path / "elsewhere" / "points.jsonl"
    assert dsr("audit", "checkpoint", "--config", str(config), "--out", str(anchor)) == EXIT_OK
    _log(engine, 2, start=5)  # events after the checkpoint are fine
    assert dsr("audit", "verify", "--config", str(config), "--checkpoints", str(anchor)) == EXIT_OK
    assert "7 event(s), 1 signed checkpoint(s) match" in capsys.readouterr().out

    _rewrite_as_an_attacker(engine, 3, actor="user:99")
    assert casefile.verify(engine).ok  # the chain alone cannot tell
    assert dsr("audit", "verify", "--config", str(config)) == EXIT_OK
    capsys.readouterr()
    assert dsr("audit", "verify", "--config", str(config), "--checkpoints", str(anchor)) == EXIT_FOUND
    said = capsys.readouterr().err
    assert "checkpoint_mismatch" in said and "event 5 has another hash" in said and "NOT intact" in said


def test_cutting_the_newest_events_and_the_head_is_caught(engine: sa.Engine, config: Path, tmp_path: Path) -> None:
    _log(engine, 4)
    settings = load(config)
    key = checkpoints.checkpoint_key(settings)
    anchor = tmp_path / "points.jsonl"
    checkpoints.append(anchor, checkpoints.take(engine, key))
    with engine.begin() as conn:
        row = conn.execute(sa.select(events).where(events.c.seq == 2)).one()
        conn.execute(sa.delete(events).where(events.c.seq > 2))
        conn.execute(sa.update(chain_head).values(seq=2, hash=row.hash))
    assert casefile.verify(engine).ok
    problems = checkpoints.check(engine, list(checkpoints.read(anchor)), key)
    assert [(p.seq, p.kind) for p in problems] == [(4, "checkpoint_mismatch")]
    assert "event 4 is gone" in problems[0].explanation


def test_a_checkpoint_changed_or_made_without_the_key_is_forged(
    engine: sa.Engine, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _log(engine, 3)
    anchor = tmp_path / "points.jsonl"
    assert dsr("audit", "checkpoint", "--config", str(config), "--out", str(anchor)) == EXIT_OK
    _rewrite_as_an_attacker(engine, 2, actor="user:99")
    # the attacker also rewrites the checkpoint to their new head, keeping the old signature ...
    point = json.loads(anchor.read_text())
    new_head = casefile.audit_head(engine)[1]
    anchor.write_text(json.dumps({**point, "head": new_head}) + "\n")
    # ... and adds one signed with a key of their own
    theirs = checkpoints.CheckpointKey(b"x" * 32, "attacker")
    checkpoints.append(anchor, checkpoints.take(engine, theirs))
    with anchor.open("a") as f:
        f.write("{not json\n")
    capsys.readouterr()
    assert dsr("audit", "verify", "--config", str(config), "--checkpoints", str(anchor)) == EXIT_FOUND
    said = capsys.readouterr().err
    assert said.count("checkpoint_forged") == 2 and "checkpoint_unreadable" in said and "line 3" in said


def test_the_housekeeping_anchors_once_a_day_and_mails_the_checkpoint(engine: sa.Engine, config: Path) -> None:
    _log(engine, 2)
    settings = load(config)
    day = dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)
    assert tidy(engine, settings, now=day).checkpoints_written == 1
    assert tidy(engine, settings, now=day + dt.timedelta(hours=23)).checkpoints_written == 0
    _log(engine, 1, start=2)
    assert tidy(engine, settings, now=day + dt.timedelta(hours=24)).checkpoints_written == 1
    anchor = config.parent / "anchor" / "audit-checkpoints.jsonl"
    lines = [json.loads(line) for line in anchor.read_text().splitlines()]
    assert [(p["seq"], p["events"]) for p in lines] == [(2, 2), (3, 3)]
    assert dsr("audit", "verify", "--config", str(config), "--checkpoints", str(anchor)) == EXIT_OK
    mails = [
        email.message_from_bytes(m.read_bytes(), policy=policy.default) for m in (config.parent / "mail").glob("*.eml")
    ]
    assert len(mails) == 2 and {m["To"] for m in mails} == {"revision@gym.example"}
    newest = json.dumps(lines[-1], separators=(",", ":"))
    (body,) = [str(m.get_content()) for m in mails if newest in str(m.get_content())]
    # the signed line itself, verbatim, and when it was taken in local time (Europe/Berlin, UTC+1 in March)
    assert "12.03.2026 03:00:00 (Europe/Berlin)" in body


def test_the_key_must_be_configured_long_and_outside_the_database(
    engine: sa.Engine, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unset = config.read_text().replace('checkpoint_key_file = "keys/audit.key"\n', "")
    config.write_text(unset)
    assert dsr("audit", "checkpoint", "--config", str(config)) == EXIT_CONFIG
    assert "portal.audit.checkpoint_key_file" in capsys.readouterr().err
    # the environment names the key file (a systemd credential, say): then it is used
    monkeypatch.setenv(checkpoints.KEY_FILE_ENV, str(tmp_path / "keys" / "audit.key"))
    assert dsr("audit", "checkpoint", "--config", str(config)) == EXIT_OK
    short = tmp_path / "short.key"
    short.write_text("too short")
    monkeypatch.setenv(checkpoints.KEY_FILE_ENV, str(short))
    with pytest.raises(ConfigError, match="at least 32 random bytes"):
        checkpoints.checkpoint_key(load(config))


def test_a_key_in_the_sqlite_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "dsr-portal.db"
    casefile.upgrade(f"sqlite:///{database}")
    file = tmp_path / "dsr.toml"
    file.write_text(
        f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n[portal.audit]\ncheckpoint_key_file = "dsr-portal.db"\n'
        + controller_toml()
    )
    with pytest.raises(ConfigError, match="lies in the database") as refused:
        checkpoints.checkpoint_key(load(file))
    assert refused.value.key is not None and "portal.audit.checkpoint_key_file" in refused.value.key
