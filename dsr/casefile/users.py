"""Portal users: argon2id passwords, roles per controller, lock-out, optional TOTP, login.

Every user belongs to one or more controllers with one or more roles there (officer, approver,
admin); services check ``User.can(controller, role)`` so a user sees nothing of other controllers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import msgspec
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dsr.casefile import audit, clock, totp
from dsr.casefile.errors import AccessDenied, InputRejected, LoginFailed, NotFound, TooManyRequests
from dsr.casefile.passwords import check_password
from dsr.casefile.ratelimit import key_hash
from dsr.casefile.schema import memberships, rate_limits, users
from dsr.casefile.sessions import SessionPolicy, close_all_sessions, open_session
from dsr.casefile.totp_sealing import PREFIX, SecretUnreadable, is_sealed, seal, unseal

log = logging.getLogger(__name__)

ROLES = ("officer", "approver", "admin")
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters (RFC 9106)
# verified against when the username is unknown, so both paths take about the same time
_dummy_hash: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Use other argon2id parameters (small hosts; test suites). Existing hashes are upgraded
    to the new parameters at the next successful login."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a password of anyone")
    return _dummy_hash


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    #: failures in a row from one client address (or, without one, on the account) that lock
    max_failures: int = 5
    lock_for: dt.timedelta = dt.timedelta(minutes=15)
    session: SessionPolicy = SessionPolicy()
    #: failures in a row on the account from all addresses together that lock it everywhere; each
    #: further lock before a successful login lasts twice as long, at most ``longest_lock``
    account_max_failures: int = 10
    longest_lock: dt.timedelta = dt.timedelta(hours=24)


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    active: bool
    totp_enabled: bool
    #: controller → roles there
    roles: dict[str, frozenset[str]]
    #: "de" | "en" chosen for the officer pages; None = the browser's Accept-Language
    language: str | None = None

    @property
    def actor(self) -> str:
        """How audit events name this user."""
        return f"user:{self.id}"

    @property
    def controllers(self) -> frozenset[str]:
        return frozenset(self.roles)

    def can(self, controller: str, role: str) -> bool:
        here = self.roles.get(controller, frozenset())
        return role in here or "admin" in here


class Login(msgspec.Struct, frozen=True):
    token: str  #: for the session cookie; only its hash is stored
    user: User


def _check_roles(grants: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for controller, roles in grants.items():
        for role in roles:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
            result.setdefault(controller, set()).add(role)
    return result


def _load(conn: sa.Connection, user_id: int) -> User:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    roles: dict[str, set[str]] = {}
    for controller, role in conn.execute(
        sa.select(memberships.c.controller, memberships.c.role).where(memberships.c.user_id == user_id)
    ):
        roles.setdefault(controller, set()).add(role)
    return User(
        id=row.id,
        username=row.username,
        active=row.active,
        totp_enabled=row.totp_secret is not None,
        roles={c: frozenset(r) for c, r in roles.items()},
        language=row.language,
    )


def get_user(engine: sa.Engine, user_id: int) -> User:
    with engine.connect() as conn:
        return _load(conn, user_id)


def usernames(engine: sa.Engine, ids: Iterable[int]) -> dict[int, str]:
    """id → user name, for pages that name staff (the audit log keeps ``user:<id>``)."""
    wanted = set(ids)
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.username).where(users.c.id.in_(wanted)))
        return {row.id: row.username for row in rows}


def set_language(engine: sa.Engine, user_id: int, language: str | None) -> None:
    """Remember the language of the officer pages for this user (a preference: not audited)."""
    if language not in (None, "de", "en"):
        raise ValueError(f"unknown language {language!r}: de or en")
    with engine.begin() as conn:
        if conn.execute(sa.update(users).where(users.c.id == user_id).values(language=language)).rowcount != 1:
            raise NotFound(f"no user {user_id}")


def create_user(
    engine: sa.Engine,
    username: str,
    password: str,
    roles: Mapping[str, Iterable[str]],
    *,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> User:
    """Create a user with ``roles`` per controller, e.g. ``{"gym-musterstadt": ["officer"]}``.

    The password must meet :mod:`dsr.casefile.passwords` (else :class:`InputRejected`)."""
    now = clock.resolve(now)
    check_password(password)
    grants = _check_roles(roles)
    if not grants:
        raise ValueError("a user needs at least one role at one controller")
    if "(host:" in username:  # the mark of the host's staff (host_user): nobody else may carry it
        raise InputRejected("a user name may not contain '(host:'", code="username_invalid")
    taken = InputRejected(f"a user named {username!r} exists already", code="username_taken", username=username)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first() is not None:
            raise taken
        try:
            user_id = conn.execute(
                sa.insert(users).values(
                    username=username,
                    password_hash=_hasher.hash(password),
                    failed_logins=0,
                    active=True,
                    created_at=now,
                )
            ).inserted_primary_key[0]
        except sa.exc.IntegrityError:  # created at the same moment elsewhere; the message would carry the hash
            raise taken from None
        for controller, names in grants.items():
            for role in sorted(names):
                conn.execute(sa.insert(memberships).values(user_id=user_id, controller=controller, role=role))
        audit.append(conn, "user created", actor=actor, detail={"user": user_id, "roles": _plain(grants)}, now=now)
        return _load(conn, user_id)


def _plain(grants: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    return {c: sorted(r) for c, r in sorted(grants.items())}


def set_roles(engine: sa.Engine, user_id: int, roles: Mapping[str, Iterable[str]], *, actor: str) -> User:
    """Replace a user's roles (all controllers at once)."""
    grants = _check_roles(roles)
    with engine.begin() as conn:
        _load(conn, user_id)
        conn.execute(sa.delete(memberships).where(memberships.c.user_id == user_id))
        for controller, names in grants.items():
            for role in sorted(names):
                conn.execute(sa.insert(memberships).values(user_id=user_id, controller=controller, role=role))
        audit.append(conn, "roles changed", actor=actor, detail={"user": user_id, "roles": _plain(grants)})
        return _load(conn, user_id)


def set_password(engine: sa.Engine, user_id: int, password: str, *, actor: str) -> None:
    """Change a password (it must meet :mod:`dsr.casefile.passwords`); every open session of the user ends."""
    check_password(password)
    with engine.begin() as conn:
        _load(conn, user_id)
        conn.execute(sa.update(users).where(users.c.id == user_id).values(password_hash=_hasher.hash(password)))
        close_all_sessions(conn, user_id)
        audit.append(conn, "password changed", actor=actor, detail={"user": user_id})


def enable_totp(
    engine: sa.Engine, user_id: int, secret: str, code: str, *, key: bytes, now: dt.datetime | None = None
) -> None:
    """Turn on the second factor once the user proves their app shows the right code.

    The secret is stored encrypted under ``key`` (``[dsr] secret_key``, :mod:`dsr.casefile.totp_sealing`)."""
    now = clock.resolve(now)
    step = totp.matching_step(secret, code, now)
    if step is None:
        raise LoginFailed("the code does not match; check the authenticator app's clock")
    sealed = seal(key, user_id, secret)
    with engine.begin() as conn:
        _load(conn, user_id)
        conn.execute(sa.update(users).where(users.c.id == user_id).values(totp_secret=sealed, totp_last_step=step))
        audit.append(conn, "second factor enabled", actor=f"user:{user_id}", detail={"user": user_id}, now=now)


def seal_clear_totp_secrets(engine: sa.Engine, key: bytes) -> int:
    """Encrypt under ``key`` (``[dsr] secret_key``) every second-factor secret still stored in
    clear from before encryption at rest (``dsr housekeeping``; a login does it for its own user).
    Returns how many."""
    sealed = 0
    with engine.begin() as conn:
        clear = conn.execute(
            sa.select(users.c.id, users.c.totp_secret).where(
                users.c.totp_secret.is_not(None), sa.not_(users.c.totp_secret.startswith(PREFIX))
            )
        ).all()
        for user_id, secret in clear:
            # only if unchanged meanwhile (a login may have sealed it, an admin reset it)
            sealed += conn.execute(
                sa.update(users)
                .where(users.c.id == user_id, users.c.totp_secret == secret)
                .values(totp_secret=seal(key, user_id, secret))
            ).rowcount
    return sealed


def disable_totp(engine: sa.Engine, user_id: int, *, actor: str) -> None:
    with engine.begin() as conn:
        _disable_totp(conn, user_id, actor=actor)


def _disable_totp(conn: sa.Connection, user_id: int, *, actor: str) -> None:
    _load(conn, user_id)
    conn.execute(sa.update(users).where(users.c.id == user_id).values(totp_secret=None, totp_last_step=None))
    audit.append(conn, "second factor disabled", actor=actor, detail={"user": user_id})


def unlock(engine: sa.Engine, user_id: int, *, actor: str) -> None:
    """Lift a lock-out before it runs out (an admin did check who is asking): the account's own
    (and its back-off: the next lock is a short one again) and every per-address lock (their
    counters carry :func:`_lock_marker`)."""
    with engine.begin() as conn:
        _unlock(conn, user_id, actor=actor)


def _unlock(conn: sa.Connection, user_id: int, *, actor: str) -> None:
    _load(conn, user_id)
    conn.execute(sa.update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until=None))
    conn.execute(
        sa.delete(rate_limits).where(rate_limits.c.value.in_([_lock_marker(user_id), _backoff_marker(user_id)]))
    )
    audit.append(conn, "account unlocked", actor=actor, detail={"user": user_id})


def _lock_marker(user_id: int) -> bytes:
    # the counter's key is a hash of (user, client address): the marker lets an admin find them all
    return f"login-failures:{user_id}".encode()


def _backoff_marker(user_id: int) -> bytes:
    return f"login-lockouts:{user_id}".encode()


def _backoff_key(user_id: int) -> str:
    """The ``rate_limits`` row counting the account's locks since its last successful login."""
    return key_hash(f"login-lockouts::{user_id}")


def find_user(engine: sa.Engine, username: str) -> User:
    with engine.connect() as conn:
        user_id = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
        if user_id is None:
            raise NotFound(f"no user named {username!r}")
        return _load(conn, user_id)


# ------------------------------------------------------------- staff the host logs in

#: the password hash of a host's staff member: no argon2 hash, so no dsr password ever matches
HOST_LOGIN_ONLY = "!host-login"
_USERNAME_LENGTH = 120


def host_suffix(host_id: str) -> str:
    """The end of the user name of the host's staff member ``host_id``: `` (host:<id>)``, the id
    percent-encoded (no space or parenthesis in it, so the suffix is unambiguous; a long id hashed)."""
    key = quote(host_id, safe="")
    if len(key) > 48:
        key = "sha256-" + hashlib.sha256(host_id.encode()).hexdigest()[:40]
    return f" (host:{key})"


def host_username(host_id: str, display_name: str) -> str:
    """The display name followed by the host's id: readable in histories and lists, unique by its end."""
    suffix = host_suffix(host_id)
    # one line of printable characters (a NUL would even cut the name short for SQLite's LIKE)
    printable = "".join(c for c in " ".join(display_name.split()) if c.isprintable())
    name = printable[: _USERNAME_LENGTH - len(suffix)] or quote(host_id[:40], safe="")
    return name + suffix


def host_user(
    engine: sa.Engine,
    host_id: str,
    display_name: str,
    roles: Mapping[str, Iterable[str]],
    *,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The portal user of a staff member the host has logged in (``officer_auth``), as the host
    describes them now: created at first sight (actor ``host``), their name and roles brought up to
    date when the host's differ. Cases, four eyes and the audit trail then treat them as any user
    (``user:<id>``); they have no dsr password and no second factor (the host is responsible).

    Raises ``ValueError`` for a role dsr does not know."""
    grants = _check_roles(roles)
    wanted = {c: frozenset(r) for c, r in grants.items()}
    username = host_username(host_id, display_name)
    try:
        with engine.begin() as conn:
            row = _host_row(conn, host_id)
            if row is None:
                inserted = conn.execute(
                    sa.insert(users).values(
                        username=username,
                        password_hash=HOST_LOGIN_ONLY,
                        failed_logins=0,
                        active=True,
                        created_at=clock.resolve(now),
                        language=language,
                    )
                ).inserted_primary_key
                assert inserted is not None
                user_id = int(inserted[0])
                _grant(conn, user_id, grants)
                audit.append(
                    conn, "user created", actor="host", detail={"user": user_id, "roles": _plain(grants)}, now=now
                )
                return _load(conn, user_id)
            user_id, stored_name, active = row
            if stored_name != username or not active:
                conn.execute(sa.update(users).where(users.c.id == user_id).values(username=username, active=True))
            user = _load(conn, user_id)
            if user.roles != wanted:
                conn.execute(sa.delete(memberships).where(memberships.c.user_id == user_id))
                _grant(conn, user_id, grants)
                audit.append(
                    conn, "roles changed", actor="host", detail={"user": user_id, "roles": _plain(grants)}, now=now
                )
                user = _load(conn, user_id)
            return user
    except sa.exc.IntegrityError:  # first seen by another worker at the same moment: theirs stands
        with engine.connect() as conn:
            seen = _host_row(conn, host_id)
            if seen is None:
                raise
            return _load(conn, seen[0])


def _host_row(conn: sa.Connection, host_id: str) -> tuple[int, str, bool] | None:
    """(id, user name, active) of the host's ``host_id``: LIKE finds candidates (it ignores case on
    SQLite and MariaDB), the exact end of the name decides."""
    suffix = host_suffix(host_id)
    rows = conn.execute(
        sa.select(users.c.id, users.c.username, users.c.active).where(
            users.c.username.endswith(suffix, autoescape=True)
        )
    )
    return next(((r.id, r.username, r.active) for r in rows if r.username.endswith(suffix)), None)


def _grant(conn: sa.Connection, user_id: int, grants: Mapping[str, Iterable[str]]) -> None:
    for controller, names in grants.items():
        for role in sorted(names):
            conn.execute(sa.insert(memberships).values(user_id=user_id, controller=controller, role=role))


# ------------------------------------------------------------------------ the admin role


class Account(msgspec.Struct, frozen=True, kw_only=True):
    """A user as an admin sees them: only the roles at the admin's own controllers."""

    id: int
    username: str
    active: bool
    totp_enabled: bool
    locked: bool  #: locked out (the account, or from at least one address) right now
    roles: dict[str, list[str]]
    #: the admin administers every controller the user belongs to, so may unlock or reset them
    #: (a user who also belongs to a controller the admin does not administer is listed, not changed)
    manageable: bool = True


def administered(admin: User) -> frozenset[str]:
    """The controllers where ``admin`` holds the admin role (refused when there is none)."""
    mine = frozenset(c for c, roles in admin.roles.items() if "admin" in roles)
    if not mine:
        raise AccessDenied(f"user {admin.id} is not admin anywhere", code="role", role="admin")
    return mine


def _locked(conn: sa.Connection, row: sa.Row[object], now: dt.datetime, policy: LoginPolicy) -> bool:
    if row.locked_until is not None and now < row.locked_until:
        return True
    return (
        conn.execute(
            sa.select(rate_limits.c.key_hash).where(
                rate_limits.c.value == _lock_marker(row.id),
                rate_limits.c.expires_at > now,
                rate_limits.c.hits >= policy.max_failures,
            )
        ).first()
        is not None
    )


def list_accounts(
    engine: sa.Engine,
    admin: User,
    *,
    now: dt.datetime | None = None,
    policy: LoginPolicy = LoginPolicy(),
) -> list[Account]:
    """Users who are members of a controller ``admin`` administers, by username."""
    now = clock.resolve(now)
    mine = administered(admin)
    with engine.connect() as conn:
        grants: dict[int, dict[str, list[str]]] = {}
        for user_id, controller, role in conn.execute(
            sa.select(memberships.c.user_id, memberships.c.controller, memberships.c.role)
            .where(memberships.c.controller.in_(sorted(mine)))
            .order_by(memberships.c.controller, memberships.c.role)
        ):
            grants.setdefault(user_id, {}).setdefault(controller, []).append(role)
        elsewhere = set(
            conn.execute(
                sa.select(memberships.c.user_id).where(
                    memberships.c.user_id.in_(list(grants)), memberships.c.controller.not_in(sorted(mine))
                )
            ).scalars()
        )
        rows = conn.execute(sa.select(users).where(users.c.id.in_(list(grants))).order_by(users.c.username)).all()
        return [
            Account(
                id=r.id,
                username=r.username,
                active=r.active,
                totp_enabled=r.totp_secret is not None,
                locked=_locked(conn, r, now, policy),
                roles=grants[r.id],
                manageable=r.id not in elsewhere,
            )
            for r in rows
        ]


def _administered_user(conn: sa.Connection, admin: User, user_id: int) -> None:
    """Refuse a user outside the admin's controllers as if they did not exist, and one who also
    belongs to a controller the admin does not administer (``AccessDenied``, code
    ``account_beyond_admin``): an account shared by two controllers is changed only by someone
    who administers both (or on the command line)."""
    mine = administered(admin)
    theirs = set(conn.execute(sa.select(memberships.c.controller).where(memberships.c.user_id == user_id)).scalars())
    if not theirs & mine:
        raise NotFound(f"no user {user_id}")
    if not theirs <= mine:
        raise AccessDenied(
            f"user {user_id} also belongs to a controller user {admin.id} does not administer",
            code="account_beyond_admin",
        )


def admin_unlock(engine: sa.Engine, admin: User, user_id: int) -> None:
    """An admin lifts the lock-out of a user all of whose controllers they administer."""
    with engine.begin() as conn:
        _administered_user(conn, admin, user_id)
        _unlock(conn, user_id, actor=admin.actor)


def admin_reset_totp(engine: sa.Engine, admin: User, user_id: int) -> None:
    """An admin turns off the second factor (lost phone) of a user all of whose controllers they
    administer; the user sets it up again at the next login."""
    with engine.begin() as conn:
        _administered_user(conn, admin, user_id)
        _disable_totp(conn, user_id, actor=admin.actor)


def admin_create_user(
    engine: sa.Engine, admin: User, username: str, controller: str, roles: Sequence[str], password: str
) -> User:
    """An admin creates an account at a controller they administer (the password is made by the
    caller, shown once; the policy of :mod:`dsr.casefile.passwords` applies)."""
    if controller not in administered(admin):
        raise AccessDenied(f"user {admin.id} does not administer {controller}", code="role", role="admin")
    if not username.strip() or len(username) > 80 or any(c.isspace() for c in username):
        raise InputRejected("a username is one word of at most 80 characters", code="username_invalid")
    if not roles:
        raise InputRejected("choose at least one role", code="no_roles")
    return create_user(engine, username, password, {controller: list(roles)}, actor=admin.actor)


def admin_set_password(engine: sa.Engine, admin: User, user_id: int, password: str) -> str:
    """An admin gives a user all of whose controllers they administer a new password (every
    session of the user ends; their second factor stays). Returns the user's name."""
    with engine.begin() as conn:
        _administered_user(conn, admin, user_id)
        username: str = conn.execute(sa.select(users.c.username).where(users.c.id == user_id)).scalar_one()
    set_password(engine, user_id, password, actor=admin.actor)
    return username


def login(
    engine: sa.Engine,
    username: str,
    password: str,
    totp_code: str | None = None,
    *,
    policy: LoginPolicy = LoginPolicy(),
    now: dt.datetime | None = None,
    client: str | None = None,
    key: bytes | None = None,
) -> Login:
    """Check password (and second factor when enabled); open a session.

    Raises :class:`LoginFailed` (never saying which part was wrong) or :class:`TooManyRequests`
    while the account is locked after ``policy.max_failures`` failures in a row.

    ``key`` (``[dsr] secret_key``) decrypts the second factor's secret; a secret still stored in
    clear is encrypted with it at this successful login. When the password is right but the
    secret does not decrypt (the key changed), the login fails with code ``totp_unreadable``,
    counted as a failure: only an admin's reset of the second factor helps.

    ``client`` (the portal passes a keyed hash of the client's address) locks the account only
    for that client after ``policy.max_failures``: failures from one address cannot lock an
    officer out everywhere else. Failures from all addresses together also count on the account:
    after ``policy.account_max_failures`` in a row it is locked everywhere for ``policy.lock_for``,
    each further lock before a successful login twice as long (at most ``policy.longest_lock``).
    A client locked out either way gets the same :class:`LoginFailed` as for a wrong password, so
    nobody learns from the answer that the account exists or is locked; the audit log records the
    lock ("account locked", ``scope`` address or account).
    """
    now = clock.resolve(now)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username).with_for_update()).first()
        if row is None or not row.active:
            _verify(_dummy(), password)
            raise LoginFailed("login failed")
        if client is not None:
            result = _login_from(conn, row, password, totp_code, client, policy, now, key)
        else:
            result = _login_account(conn, row, password, totp_code, policy, now, key)
    # raised outside the transaction, so the failure counter is committed
    if result is None:
        raise LoginFailed("login failed")
    if isinstance(result, LoginFailed):
        raise result
    return result


def _unreadable() -> LoginFailed:
    # the log names neither the user nor the value: the audit event has the user's id
    log.error(
        "login refused: a second-factor secret could not be decrypted ([dsr] secret_key changed?); "
        "an admin resets that user's second factor (dsr user reset-totp)"
    )
    return LoginFailed(
        "the second factor of this account cannot be checked; an administrator must reset it",
        code="totp_unreadable",
    )


def _login_account(
    conn: sa.Connection,
    row: sa.Row[object],
    password: str,
    totp_code: str | None,
    policy: LoginPolicy,
    now: dt.datetime,
    key: bytes | None,
) -> Login | LoginFailed | None:
    """:func:`login` with failures counted on the account (no client known: the command line)."""
    if row.locked_until is not None and now < row.locked_until:
        raise TooManyRequests("account locked after repeated failed logins; try again later")
    checked = _credentials_ok(row, password, totp_code, now, key)
    if checked.ok:
        return _succeed(conn, row, password, checked, policy, now, key)
    locked = _fail_on_account(conn, row, policy.max_failures, policy, now)
    detail: dict[str, str | int] = {"user": row.id}
    if locked is not None:
        detail.update(scope="account", minutes=locked // dt.timedelta(minutes=1))
    if checked.unreadable:
        detail["reason"] = "totp_unreadable"
    audit.append(
        conn, "account locked" if locked is not None else "login failed", actor=f"user:{row.id}", detail=detail, now=now
    )
    return _unreadable() if checked.unreadable else None


def _fail_on_account(
    conn: sa.Connection, row: sa.Row[object], threshold: int, policy: LoginPolicy, now: dt.datetime
) -> dt.timedelta | None:
    """Count a failed login on the account; at ``threshold`` in a row lock it (returns for how long).

    The first lock lasts ``policy.lock_for``, each further one twice the one before, at most
    ``policy.longest_lock``. How many locks there were is kept in ``rate_limits`` (no column of
    its own) until a successful login or an unlock, or until ``longest_lock`` after the lock ends."""
    failures = row.failed_logins + 1
    if failures < threshold:
        conn.execute(sa.update(users).where(users.c.id == row.id).values(failed_logins=failures))
        return None
    key = _backoff_key(row.id)
    counter = conn.execute(sa.select(rate_limits).where(rate_limits.c.key_hash == key)).first()
    locks = counter.hits if counter is not None and counter.expires_at is not None and counter.expires_at > now else 0
    length = min(policy.lock_for * 2 ** min(locks, 20), policy.longest_lock)
    remembered = {"hits": locks + 1, "value": _backoff_marker(row.id), "expires_at": now + length + policy.longest_lock}
    if counter is None:
        conn.execute(sa.insert(rate_limits).values(key_hash=key, **remembered))
    else:
        conn.execute(sa.update(rate_limits).where(rate_limits.c.key_hash == key).values(**remembered))
    conn.execute(sa.update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=now + length))
    return length


class _Checked(msgspec.Struct, frozen=True):
    """What :func:`_credentials_ok` found."""

    ok: bool
    #: the TOTP step of the code used, to refuse replays
    step: int | None = None
    #: the password was right but the stored second-factor secret does not decrypt
    unreadable: bool = False
    #: the second factor's secret is still stored in clear (from before encryption at rest)
    clear_secret: str | None = None


def _credentials_ok(
    row: sa.Row[object], password: str, totp_code: str | None, now: dt.datetime, key: bytes | None
) -> _Checked:
    """Password and (when enrolled) second factor right."""
    if not _verify(row.password_hash, password):
        return _Checked(ok=False)
    if row.totp_secret is None:
        return _Checked(ok=True)
    try:
        secret = unseal(key, row.id, row.totp_secret)
    except SecretUnreadable:
        return _Checked(ok=False, unreadable=True)
    step = totp.matching_step(secret, totp_code or "", now)
    # a code already used (same or earlier step) is a replay
    ok = step is not None and (row.totp_last_step is None or step > row.totp_last_step)
    return _Checked(ok=ok, step=step, clear_secret=None if is_sealed(row.totp_secret) else secret)


def _failures_key(user_id: int, client: str) -> str:
    return key_hash(f"login-failures::{user_id}::{client}")


def _login_from(
    conn: sa.Connection,
    row: sa.Row[object],
    password: str,
    totp_code: str | None,
    client: str,
    policy: LoginPolicy,
    now: dt.datetime,
    secret_key: bytes | None,
) -> Login | LoginFailed | None:
    """:func:`login` with failures counted per (account, client) in ``rate_limits`` (same
    transaction as the user row's lock, so concurrent attempts count one after the other), and
    on the account from every client together."""
    if row.locked_until is not None and now < row.locked_until:
        _verify(_dummy(), password)  # locked everywhere: told exactly what a wrong password is told
        return None
    key = _failures_key(row.id, client)
    counter = conn.execute(sa.select(rate_limits).where(rate_limits.c.key_hash == key)).first()
    live = counter is not None and counter.expires_at is not None and counter.expires_at > now
    if live and counter.hits >= policy.max_failures:
        _verify(_dummy(), password)  # as long as a real check: the time tells nothing either
        return None
    checked = _credentials_ok(row, password, totp_code, now, secret_key)
    if checked.ok:
        conn.execute(sa.delete(rate_limits).where(rate_limits.c.key_hash == key))
        return _succeed(conn, row, password, checked, policy, now, secret_key)
    failures = counter.hits + 1 if live else 1
    # failures in a row within lock_for of the first; the lock then lasts lock_for from now
    ends = now + policy.lock_for if failures >= policy.max_failures or not live else counter.expires_at
    if counter is None:
        conn.execute(
            sa.insert(rate_limits).values(key_hash=key, hits=failures, value=_lock_marker(row.id), expires_at=ends)
        )
    else:
        conn.execute(
            sa.update(rate_limits)
            .where(rate_limits.c.key_hash == key)
            .values(hits=failures, expires_at=ends, value=_lock_marker(row.id))
        )
    everywhere = _fail_on_account(conn, row, policy.account_max_failures, policy, now)
    detail: dict[str, str | int] = {"user": row.id}
    if everywhere is not None:
        detail.update(scope="account", minutes=everywhere // dt.timedelta(minutes=1))
    elif failures >= policy.max_failures:
        detail["scope"] = "address"
    locked = "scope" in detail
    if checked.unreadable:
        detail["reason"] = "totp_unreadable"
    audit.append(conn, "account locked" if locked else "login failed", actor=f"user:{row.id}", detail=detail, now=now)
    return _unreadable() if checked.unreadable else None


def _succeed(
    conn: sa.Connection,
    row: sa.Row[object],
    password: str,
    checked: _Checked,
    policy: LoginPolicy,
    now: dt.datetime,
    key: bytes | None,
) -> Login:
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if checked.step is not None:
        values["totp_last_step"] = checked.step
    if checked.clear_secret is not None and key:  # stored before encryption at rest: encrypted now
        values["totp_secret"] = seal(key, row.id, checked.clear_secret)
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    conn.execute(sa.update(users).where(users.c.id == row.id).values(**values))
    conn.execute(sa.delete(rate_limits).where(rate_limits.c.key_hash == _backoff_key(row.id)))  # back-off starts over
    token = open_session(conn, row.id, policy.session, now)
    audit.append(conn, "login", actor=f"user:{row.id}", detail={"user": row.id}, now=now)
    return Login(token=token, user=_load(conn, row.id))


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False
