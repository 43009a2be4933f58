"""Signed checkpoints of the audit chain's head, kept outside the database.

The chain (:mod:`dsr.casefile.audit`) is plain SHA-256: someone who can write the database can
change an event, recompute every later hash and the head, and :func:`~dsr.casefile.audit.verify`
still passes. A checkpoint pins the head as it was: (time, last event's seq, its hash, number of
events), signed with HMAC-SHA256 under a key that is *not* in the database — a file named by
``[portal.audit] checkpoint_key_file`` or the environment variable ``DSR_AUDIT_CHECKPOINT_KEY_FILE``.
Checkpoints are appended to a JSON-lines file (``dsr audit checkpoint``, and once a day by the
housekeeping) and may be mailed; :func:`check` compares them with the database. A rewritten
event at or before a checkpoint's seq no longer has the hash the checkpoint recorded; a
checkpoint forged without the key fails its signature. Events newer than the newest checkpoint
are protected by the chain alone until the next one.

    key = checkpoint_key(settings)
    point = take(engine, key)                    # Checkpoint(at, seq, head, events, key_id, signature)
    append(Path("audit-checkpoints.jsonl"), point)
    problems = check(engine, read(path), key)    # [] when every checkpoint still matches
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import os
from collections.abc import Iterator, Sequence
from io import BufferedRandom
from pathlib import Path

import msgspec
import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.audit import GENESIS, Problem, canonical
from dsr.casefile.schema import chain_head, events
from dsr.config import Settings
from dsr.errors import ConfigError

#: overrides ``[portal.audit] checkpoint_key_file`` (e.g. a systemd credential: ``%d/audit-key``)
KEY_FILE_ENV = "DSR_AUDIT_CHECKPOINT_KEY_FILE"
MIN_KEY_BYTES = 32
KEY_SETTING = "portal.audit.checkpoint_key_file"


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    at: dt.datetime  #: when it was taken (UTC)
    seq: int  #: the newest event's seq (0: no event yet)
    head: str  #: that event's hash (GENESIS for none)
    events: int  #: how many events the chain had
    key_id: str  #: which key signed it: the first 16 hex digits of SHA-256 of the key
    signature: str  #: HMAC-SHA256 (hex) over the canonical JSON of the fields above

    def signed_part(self) -> bytes:
        body = {
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "seq": self.seq,
            "head": self.head,
            "events": self.events,
            "key_id": self.key_id,
        }
        return canonical(body).encode("utf-8")


class CheckpointKey(msgspec.Struct, frozen=True):
    secret: bytes
    source: str  #: where it was read from (for messages; never the key)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()[:16]

    def sign(self, point: Checkpoint) -> str:
        return hmac.new(self.secret, point.signed_part(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- the key


def checkpoint_key(settings: Settings) -> CheckpointKey:
    """The key: from ``DSR_AUDIT_CHECKPOINT_KEY_FILE`` or ``[portal.audit] checkpoint_key_file``.

    Refused (:class:`ConfigError` naming the file and key) when none is configured, the file is
    missing, shorter than 32 bytes, or lies in the database (the portal's SQLite file, or a file
    holding an SQLite database): whoever can rewrite the chain must not be able to read the key."""
    from_env = os.environ.get(KEY_FILE_ENV, "")
    where = f"{KEY_SETTING} (or {KEY_FILE_ENV})"
    named = from_env or settings.portal.audit.checkpoint_key_file
    if not named:
        raise ConfigError(settings.source, where, "not set: name a file holding the checkpoint key")
    path = Path(named) if from_env else settings.base_dir / named
    path = path.resolve()
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(settings.source, where, f"cannot read {path} ({type(exc).__name__})") from None
    if path == _sqlite_file(settings) or secret.startswith(b"SQLite format 3"):
        raise ConfigError(settings.source, where, "the key lies in the database: keep it in a file of its own")
    if len(secret) < MIN_KEY_BYTES:
        raise ConfigError(
            settings.source,
            where,
            f"{path}: needs at least {MIN_KEY_BYTES} random bytes, e.g. "
            "python3 -c 'import secrets; print(secrets.token_hex(32))' > FILE; chmod 600 FILE",
        )
    return CheckpointKey(secret, str(path))


def _sqlite_file(settings: Settings) -> Path | None:
    url = sa.make_url(settings.portal_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return (settings.base_dir / url.database).resolve()


# --------------------------------------------------------------------------- taking and storing


def take(engine: sa.Engine, key: CheckpointKey, *, now: dt.datetime | None = None) -> Checkpoint:
    """A signed checkpoint of the chain's head as it is now."""
    with engine.connect() as conn:
        seq, digest = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
        count = conn.execute(sa.select(sa.func.count()).select_from(events).where(events.c.seq <= seq)).scalar_one()
    unsigned = Checkpoint(
        at=clock.resolve(now).astimezone(dt.UTC), seq=seq, head=digest, events=count, key_id=key.key_id, signature=""
    )
    return msgspec.structs.replace(unsigned, signature=key.sign(unsigned))


def append(path: Path, point: Checkpoint) -> None:
    """Append one line to the checkpoint file (created if missing), synced to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path) as handle:
        _write(handle, point)


def append_if_due(
    path: Path, engine: sa.Engine, key: CheckpointKey, *, every: dt.timedelta, now: dt.datetime | None = None
) -> Checkpoint | None:
    """Append a checkpoint unless the file's newest is younger than ``every``; the new one, or None.

    Several workers may call this at once: the file is locked while they look and write."""
    at = clock.resolve(now)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path) as handle:
        handle.seek(0)
        newest = None
        for line in handle.read().splitlines():
            if line.strip():
                try:
                    newest = msgspec.json.decode(line, type=Checkpoint)
                except msgspec.DecodeError:
                    continue  # a damaged line is check()'s to report; it does not stop new checkpoints
        if newest is not None and at - newest.at < every:
            return None
        point = take(engine, key, now=at)
        _write(handle, point)
        return point


def _write(handle: BufferedRandom, point: Checkpoint) -> None:
    handle.seek(0, os.SEEK_END)
    handle.write(msgspec.json.encode(point) + b"\n")
    handle.flush()
    os.fsync(handle.fileno())  # a checkpoint that a crash can lose is no anchor


class _locked:
    """The file opened for reading and appending, under an exclusive lock (flock)."""

    def __init__(self, path: Path) -> None:
        self._handle: BufferedRandom = path.open("a+b")

    def __enter__(self) -> BufferedRandom:
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        return self._handle

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()


def read(path: Path) -> Iterator[tuple[int, Checkpoint | None]]:
    """(line number, checkpoint) of every non-empty line; None for a line that is not a checkpoint."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, msgspec.json.decode(line, type=Checkpoint)
            except msgspec.DecodeError:
                yield number, None


# --------------------------------------------------------------------------- checking


def check(engine: sa.Engine, points: Sequence[tuple[int, Checkpoint | None]], key: CheckpointKey) -> list[Problem]:
    """Every way the checkpoints and the database disagree (``Problem.kind``: ``checkpoint_unreadable``,
    ``checkpoint_forged`` — signature or key does not fit —, ``checkpoint_mismatch`` — the chain
    was rewritten or cut since)."""
    problems: list[Problem] = []
    with engine.connect() as conn:
        for line, point in points:
            if point is None:
                problems.append(Problem(0, "checkpoint_unreadable", f"line {line} of the checkpoint file is damaged"))
                continue
            taken = f"checkpoint of line {line} ({point.at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC)"
            if point.key_id != key.key_id or not hmac.compare_digest(point.signature, key.sign(point)):
                problems.append(
                    Problem(point.seq, "checkpoint_forged", f"{taken} is not signed with the configured key")
                )
                continue
            found: str | None
            if point.seq == 0:
                found, count = GENESIS, 0
            else:
                found = conn.execute(sa.select(events.c.hash).where(events.c.seq == point.seq)).scalar_one_or_none()
                count = conn.execute(
                    sa.select(sa.func.count()).select_from(events).where(events.c.seq <= point.seq)
                ).scalar_one()
            if found != point.head:
                what = "is gone" if found is None else "has another hash"
                problems.append(
                    Problem(
                        point.seq,
                        "checkpoint_mismatch",
                        f"{taken}: event {point.seq} {what} (the chain was rewritten or cut since)",
                    )
                )
            elif count != point.events:
                problems.append(
                    Problem(
                        point.seq,
                        "checkpoint_mismatch",
                        f"{taken}: {count} event(s) up to {point.seq}, the checkpoint counted {point.events}",
                    )
                )
    return problems
