"""James as a host app: its own pages, session cookie, CSP and staff login, with dsr mounted at
``/datenschutz`` inside James' own database.

    export JAMES_SESSION_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    export DSR_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    litestar --app examples.james_host.app:app dsr migrate        # dsr's tables (startup does it too)
    uvicorn examples.james_host.app:app --workers 2

``DATABASE_URL`` (default ``sqlite:///james.db``) is James' database: the table ``james_staff``
is James', the ``dsr_*`` tables are dsr's. James' staff log in at ``/login`` and work on data
protection requests at ``/datenschutz/officer/`` without a dsr account: :func:`james_staff` tells
dsr who is logged in and what they may do (see README.md and docs/embedding.md).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from typing import Annotated, Any

import anyio.to_thread
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from litestar import Litestar, Request, Response, Router, get, post
from litestar.datastructures import ResponseHeader
from litestar.enums import MediaType, RequestEncodingType
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.params import Body
from litestar.response import Redirect

from dsr.portal import DSRPlugin
from dsr.portal.config import DSRConfig, OfficerIdentity

MOUNT = "/datenschutz"
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///james.db")
#: the school this James installation serves: the dsr controller its staff work for
SCHOOL = "gym-musterstadt"

#: James' roles → dsr's: who may prepare answers (officer), approve them (approver), manage (admin)
DSR_ROLES: dict[str, frozenset[str]] = {
    "bibliothek": frozenset({"officer"}),
    "schulleitung": frozenset({"officer", "approver"}),
    "james-admin": frozenset({"officer", "approver", "admin"}),
}

#: the two demo staff members: (login, display name, James role, password)
DEMO_STAFF = (
    ("berg", "Anna Berg", "bibliothek", "bibliothek-demo-2026"),
    ("koch", "Ben Koch", "schulleitung", "schulleitung-demo-2026"),
)


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"set {name} (see examples/james_host/README.md)")
    return value


# ---------------------------------------------------------------------------- James' own database


def _engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        # several workers share the file: wait for the write lock instead of failing at once
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine


engine = _engine(DATABASE_URL)
metadata = sa.MetaData()
james_staff_table = sa.Table(
    "james_staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("login", sa.String(40), nullable=False, unique=True),
    sa.Column("display_name", sa.String(80), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("school", sa.String(40), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)
hasher = PasswordHasher()


def create_james_tables() -> None:
    """James' table and its demo staff; idempotent, and two workers starting together both survive."""
    for _ in range(3):
        try:
            metadata.create_all(engine)
            break
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            continue  # the other worker created it at the same moment
    for login, name, role, password in DEMO_STAFF:
        try:
            with engine.begin() as conn:
                if conn.execute(sa.select(james_staff_table.c.id).where(james_staff_table.c.login == login)).first():
                    continue
                conn.execute(
                    sa.insert(james_staff_table).values(
                        login=login,
                        display_name=name,
                        role=role,
                        school=SCHOOL,
                        password_hash=hasher.hash(password),
                        active=True,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # inserted by the other worker


def _staff_by_id(staff_id: int) -> sa.Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(james_staff_table).where(james_staff_table.c.id == staff_id, james_staff_table.c.active)
        ).first()


def _check_login(login: str, password: str) -> int | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(james_staff_table).where(james_staff_table.c.login == login)).first()
    if row is None or not row.active:
        return None
    try:
        hasher.verify(row.password_hash, password)
    except VerificationError:
        return None
    return int(row.id)


# ---------------------------------------------------------------------------- dsr's hook


async def james_staff(request: Request[Any, Any, Any]) -> OfficerIdentity | None:
    """dsr's ``officer_auth``: the staff member James' session names, with dsr's roles for theirs."""
    staff_id = request.session.get("staff_id") if "session" in request.scope else None
    if not isinstance(staff_id, int):
        return None
    row = await anyio.to_thread.run_sync(_staff_by_id, staff_id)
    if row is None:  # deactivated since logging in
        return None
    return OfficerIdentity(
        user_id=str(row.id),
        display_name=row.display_name,
        roles=DSR_ROLES.get(row.role, frozenset()),
        controllers=frozenset({row.school}),
    )


# ---------------------------------------------------------------------------- James' pages


def _page(title: str, body: str, status_code: int = 200) -> Response[str]:
    return Response(
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)} – James</title>'
        f'</head><body><header><a href="/">James</a> · <a href="/katalog">Katalog</a> · '
        f'<a href="{MOUNT}/">Datenschutz</a> · <a href="{MOUNT}/officer/">Datenschutz (Mitarbeiter)</a></header>'
        f"<main><h1>{html.escape(title)}</h1>{body}</main></body></html>",
        status_code=status_code,
        media_type=MediaType.HTML,
    )


@get("/")
async def home(request: Request[Any, Any, Any]) -> Response[str]:
    staff_id = request.session.get("staff_id")
    who = "angemeldet" if staff_id else '<a href="/login">Anmelden</a> (Mitarbeiterinnen und Mitarbeiter)'
    return _page("Der Bibliotheks-Butler", f"<p>Willkommen bei James – {who}.</p>")


@get("/katalog")
async def catalogue() -> Response[str]:
    return _page("Katalog", "<ul><li>Momo – Michael Ende</li><li>Krabat – Otfried Preußler</li></ul>")


def _next(target: str | None) -> str:
    """Only a path on this site (never ``//elsewhere``): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@get("/login")
async def login_form(request: Request[Any, Any, Any]) -> Response[str]:
    target = html.escape(_next(request.query_params.get("next")))
    return _page(
        "Anmeldung für Mitarbeiterinnen und Mitarbeiter",
        '<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{target}">'
        '<label for="login">Kennung</label> <input id="login" name="login" autocomplete="username" required> '
        '<label for="password">Passwort</label> '
        '<input id="password" name="password" type="password" autocomplete="current-password" required> '
        '<button type="submit">Anmelden</button></form>',
    )


@post("/login")
async def login(
    request: Request[Any, Any, Any], data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Response[Any]:
    staff_id = await anyio.to_thread.run_sync(_check_login, data.get("login", ""), data.get("password", ""))
    if staff_id is None:
        return _page("Anmeldung fehlgeschlagen", '<p><a href="/login">Noch einmal</a></p>', status_code=400)
    request.set_session({"staff_id": staff_id, "since": dt.datetime.now(dt.UTC).isoformat()})
    return Redirect(_next(data.get("next")), status_code=303)


@post("/logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/", status_code=303)


# ---------------------------------------------------------------------------- the app


def dsr_settings() -> dict[str, Any]:
    """dsr's settings in code (the TOML file's shape): the school and its James store."""
    return {
        "dsr": {"secret_key": _required("DSR_SECRET_KEY")},
        "portal": {
            "base_url": os.environ.get("JAMES_BASE_URL", "http://127.0.0.1:8000"),
            "mail": {"backend": "console", "sender": "datenschutz@gym-musterstadt.example"},
            "rate_limit_store": "database",  # several workers: one count
        },
        "controllers": {
            SCHOOL: {
                "name": "Gymnasium Musterstadt",
                "kind": "school",
                "land": "BY",
                "public": True,
                "street": "Schulstraße 1",
                "postal_code": "90402",
                "city": "Nürnberg",
                "email": "datenschutz@gym-musterstadt.example",
                "dpo": {"name": "Dr. D. Schutz", "email": "dsb@gym-musterstadt.example"},
                "signatory": {"name": "E. Leitung", "role": "Schulleiterin"},
                # James' school tables live in James' database
                "stores": {"school": {"connector": "sql", "url": DATABASE_URL, "mapping": "james-school"}},
            }
        },
    }


james_pages = Router(
    path="/",
    route_handlers=[home, catalogue, login_form, login, logout],
    # James' own CSP on James' pages (dsr sets its own on everything under /datenschutz)
    response_headers=[
        ResponseHeader(
            name="content-security-policy",
            value="default-src 'self'; form-action 'self'; frame-ancestors 'none'",
        )
    ],
)

#: dsr's public pages under the mount: James' session has no business there (the officer pages keep
#: it: ``james_staff`` reads it). dsr removes the cookie from them anyway; excluding them also
#: spares the middleware's work and silences dsr's startup warning.
DSR_PUBLIC = rf"^{MOUNT}$|^{MOUNT}/(?!officer|api/officer)"


def create_app(*, exclude_dsr_public: bool = True) -> Litestar:
    session = CookieBackendConfig(
        secret=bytes.fromhex(_required("JAMES_SESSION_SECRET")),
        key="james_session",
        samesite="lax",
        httponly=True,
        exclude=DSR_PUBLIC if exclude_dsr_public else None,
    )
    return Litestar(
        route_handlers=[james_pages],
        middleware=[session.middleware],
        on_startup=[create_james_tables],
        plugins=[
            DSRPlugin(
                DSRConfig(
                    settings=dsr_settings(),
                    path=MOUNT,
                    engine=engine,
                    officer_auth=james_staff,
                    officer_login_url="/login",
                )
            )
        ],
    )


app = create_app()
