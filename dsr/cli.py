"""``dsr …``: the command line. Thin: every command calls a core function.

Exit codes: 0 done · 1 a check found something (overdue cases) · 2 configuration error ·
3 the subject is ambiguous or unknown · 4 a store failed (nothing written; retry later) ·
5 nobody matches, every store answered: the negative answer was written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from dsr.errors import ConfigError, DSRError, IdentityError
from dsr.model import Descriptor

if TYPE_CHECKING:
    from dsr.pipeline.answer import RequestFacts

EXIT_OK, EXIT_FOUND, EXIT_CONFIG, EXIT_IDENTITY, EXIT_STORE, EXIT_NEGATIVE = 0, 1, 2, 3, 4, 5

#: ``dsr disclose --channel`` / ``--identity-check``: keys of wording.toml (the letter's words)
CHANNELS = ("portal", "email", "post", "in_person", "phone")
IDENTITY_CHECKS = (
    "email_code",
    "james_login",
    "email_reply",
    "postal_address",
    "answer_by_post",
    "in_person",
    "guardian_records",
)
#: how ``dsr disclose`` names the facts a letter may lack
FACT_OPTIONS = {
    "case_reference": "--reference",
    "received": "--received",
    "channel": "--channel",
    "identity_check": "--identity-check",
}

#: modules of the optional parts (extras): a command that needs one says which to install
EXTRAS = {
    "litestar": "portal",
    "uvicorn": "portal",
    "aiosmtplib": "portal",
    "argon2": "portal",
    "alembic": "portal",
    "segno": "portal",
    "faker": "demo",
}

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _name(text: str) -> tuple[str, str]:
    """ "First Last", "First Middle Last" or "Last, First" → (first, last)."""
    if "," in text:
        last, first = (p.strip() for p in text.split(",", 1))
        return first, last
    parts = text.split()
    if len(parts) < 2:
        raise argparse.ArgumentTypeError("give first and last name, e.g. --name 'Anna Müller'")
    return " ".join(parts[:-1]), parts[-1]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _received(text: str) -> dt.datetime | dt.date:
    """YYYY-MM-DD (the day only) or YYYY-MM-DDTHH:MM (German local time)."""
    try:
        if "T" in text or " " in text:
            return dt.datetime.fromisoformat(text).replace(second=0, microsecond=0)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM): {text!r}"
        ) from None


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def facts_from(args: argparse.Namespace) -> RequestFacts:
    """What the officer states about the request; left out means not recorded (a draft letter)."""
    from dsr.pipeline import compose
    from dsr.pipeline.answer import RequestFacts

    recipient = None
    if args.recipient_name or args.street or args.postal_code or args.city:
        if not args.recipient_name:
            raise argparse.ArgumentTypeError("--street, --postal-code and --city need --recipient-name")
        recipient = compose.Recipient(
            name=args.recipient_name, street=args.street, postal_code=args.postal_code, city=args.city
        )
    if args.received is not None and _day(args.received) > dt.date.today():
        raise argparse.ArgumentTypeError(f"--received lies in the future: {args.received.isoformat()}")
    return RequestFacts(
        case_reference=args.reference,
        received_at=args.received,
        channel=args.channel,
        identity_check=args.identity_check,
        recipient=recipient,
        delivery=getattr(args, "delivery", "electronic"),
    )


def descriptor_from(args: argparse.Namespace) -> Descriptor:
    first = last = None
    if args.name:
        first, last = _name(args.name)
    return Descriptor(
        card_number=args.card,
        login_name=args.login,
        email=args.email,
        first_name=first,
        last_name=last,
        date_of_birth=args.dob,
        customer_number=getattr(args, "customer", None),
        invoice_number=getattr(args, "invoice", None),
    )


# --------------------------------------------------------------------------- commands


def cmd_demo_data(args: argparse.Namespace) -> int:
    from dsr.demo import generate, today_in_berlin

    try:  # today by default: the letters written from the demo are dated today and print its retention periods
        summary = generate(
            Path(args.out),
            schools=args.schools,
            readers_per_school=args.readers_per_school,
            seed=args.seed,
            today=args.today or today_in_berlin(),
        )
    except ValueError as e:  # sizes too small or a reference day before the demo's school year
        err.print(f"[red]error[/red] {escape(str(e))}", soft_wrap=True)
        return EXIT_CONFIG
    out.print(f"demo stores written to [bold]{Path(args.out).resolve()}[/bold]")
    out.print(f"configuration: {summary.config}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from dsr.pipeline.check import check, warnings

    if args.all:
        return _check_all(args.config, args.jobs)
    problems = check(args.config)
    for p in problems:
        err.print(f"[red]error[/red] {escape(str(p))}", soft_wrap=True)
    found = warnings(args.config)
    for w in found:
        err.print(f"[yellow]warning[/yellow] {escape(str(w))}", soft_wrap=True)
    if found and args.strict and not problems:
        err.print(f"{len(found)} warning(s); --strict treats them as problems")
        return EXIT_CONFIG
    if problems:
        err.print(f"{len(problems)} problem(s)")
        return EXIT_CONFIG
    out.print("configuration and mappings match the live stores")
    return EXIT_OK


def _check_all(config: str, jobs: int) -> int:
    """``dsr check --all``: a line per controller (stores ok/failed, problems), then every problem."""
    from rich.table import Table

    from dsr.pipeline.check_controllers import check_all

    result = check_all(config, jobs=jobs)
    for p in result.problems:
        err.print(f"[red]error[/red] {escape(p)}", soft_wrap=True)
    table = Table("controller", "stores ok", "stores failed", "problems")
    for c in result.controllers:
        table.add_row(
            escape(c.controller),
            escape(", ".join(c.stores_ok)),
            f"[red]{escape(', '.join(c.stores_failed))}[/red]",
            str(len(c.problems)) if c.problems else "[green]0[/green]",
        )
    out.print(table)
    for c in result.controllers:
        for p in c.problems:
            err.print(f"[red]error[/red] {escape(c.controller)}: {escape(p)}", soft_wrap=True)
    failing = sum(not c.ok for c in result.controllers)
    if not result.ok:
        err.print(f"{failing} of {len(result.controllers)} controller(s) with problems")
        return EXIT_CONFIG
    out.print(f"{len(result.controllers)} controller(s): configuration and mappings match the live stores")
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    from dsr.config import load
    from dsr.pipeline.retention import report_text, retention_report

    report = retention_report(load(args.config), args.controller, args.on or dt.date.today())
    # plain text: counts and dates only, no personal data (fit for a cron mail to the DPO)
    out.print(report_text(report), end="", soft_wrap=True, markup=False, highlight=False)
    if report.failed:
        return EXIT_STORE
    return EXIT_FOUND if report.overdue else EXIT_OK


def _restriction_list(config: str, controller: str) -> dict[tuple[str, str, str], dt.date | None]:
    """The records the portal restricted after an erasure or restriction request, so the letter
    marks them as restricted like the portal's does. Read only where the portal's database already
    exists (the CLI never creates it); an unreadable one is said, and the letter goes without marks."""
    import sqlalchemy as sa

    from dsr.config import load
    from dsr.errors import ConfigError

    try:
        settings = load(config)
    except ConfigError:
        return {}  # answer_access reports the configuration error itself
    url = sa.make_url(settings.portal_database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return {}
    try:
        from dsr import casefile
        from dsr.service.erasure import restricted_until
    except ImportError:
        return {}  # the lean core (no portal part) keeps no restriction list
    try:
        engine = casefile.open_engine(url, table_prefix=settings.portal.table_prefix)
        try:
            return restricted_until(engine, controller)
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        err.print(f"[yellow]warning[/yellow] the portal's restriction list was not read ({type(exc).__name__})")
        return {}


def cmd_disclose(args: argparse.Namespace) -> int:
    from dsr.pipeline.answer import answer_access

    descriptor = descriptor_from(args)
    if descriptor.is_empty():
        err.print("say who the request is about: --card, --login, --email or --name with --dob")
        return EXIT_CONFIG
    try:
        facts = facts_from(args)
    except argparse.ArgumentTypeError as exc:
        err.print(str(exc))
        return EXIT_CONFIG
    result = answer_access(
        args.config,
        args.controller,
        descriptor,
        out_dir=Path(args.out),
        language=args.lang,
        decisions=Path(args.decisions) if args.decisions else None,
        facts=facts,
        processing_restricted=_restriction_list(args.config, args.controller),
    )
    for report in result.reports:
        out.print(
            f"  {report.store}: {report.state} ({report.records} records)"
            + (f", {report.malformed_lines} malformed lines skipped" if report.malformed_lines else "")
        )
    if not result.complete:
        failed = ", ".join(r.store for r in result.reports if r.state == "failed")
        err.print(f"[red]store(s) failed:[/red] {failed} — nothing written; run again when they are back")
        return EXIT_STORE
    if result.negative:
        out.print(
            "[bold]negative answer:[/bold] nobody in this controller's stores matches, and every store answered; "
            "the letter says that we hold no data about the requester"
        )
    for label, path in result.files.items():
        out.print(f"{label}: [bold]{path}[/bold]")
    if result.open_reviews:
        out.print(
            f"[yellow]{result.open_reviews} redaction item(s) need review[/yellow] — the letter is a draft; "
            f"decide them in {result.files.get('review')} and run again with --decisions FILE"
        )
    if result.unrecorded:
        missing = ", ".join(FACT_OPTIONS[f] for f in result.unrecorded)
        err.print(
            f'[yellow]warning:[/yellow] the letter is a draft: it says "not recorded" where {missing} '
            "would state the request's facts"
        )
    if not result.postal_address:
        err.print(
            "[yellow]warning:[/yellow] the letter has no postal address and cannot go in a window envelope; "
            "give --recipient-name, --street, --postal-code and --city"
        )
    return EXIT_NEGATIVE if result.negative else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from dsr.demo.portal import demo_portal

    target = Path(args.out)
    demo = demo_portal(
        target, readers_per_school=args.readers_per_school, seed=args.seed, host=args.host, port=args.port
    )
    out.print(f"demo stores, configuration and portal database in [bold]{target.resolve()}[/bold]")
    out.print("staff accounts (passwords are shown only now):")
    for account in demo.accounts:
        roles = sorted({r for rs in account.roles.values() for r in rs})
        out.print(f"  [bold]{account.username}[/bold]  password [bold]{account.password}[/bold]  ({', '.join(roles)})")
    pupil = demo.summary.featured_pupil()  # type: ignore[attr-defined]
    out.print(
        f"try a request as the demo pupil {pupil.first_name} {pupil.last_name}, card {pupil.card_number}, "
        f"born {pupil.date_of_birth}; codes and notices are printed here (console mail)"
    )
    out.print(f"officer pages: http://{args.host}:{args.port}/officer/")
    out.print(
        "at its first login each account sets up two-factor login: scan the QR code with an authenticator "
        "app, or type the key shown beside it"
    )
    if args.no_serve:
        return EXIT_OK
    return cmd_serve(
        argparse.Namespace(
            config=str(demo.config), host=args.host, port=args.port, behind_proxy=False, verbose=args.verbose
        )
    )


def cmd_deadlines(args: argparse.Namespace) -> int:
    from dsr.config import load
    from dsr.service.staff import deadlines, send_digest

    settings = load(args.config)
    report = deadlines(settings, within_days=args.within)
    # plain text, one case a line: rich would wrap long lines at the terminal's width and read [..] as markup
    out.print(report.digest, end="", soft_wrap=True, markup=False, highlight=False)
    if args.digest_to:
        send_digest(settings, report, args.digest_to)
        out.print("digest sent")
    return EXIT_FOUND if report.overdue else EXIT_OK


def _change_account(args: argparse.Namespace, change: Any) -> Any | None:
    """``change(engine, user)`` on the account named by --username, the portal database closed
    afterwards; the user if ``change`` went through, else None (said so on stderr)."""
    from dsr import casefile
    from dsr.casefile.users import find_user
    from dsr.config import load
    from dsr.service.staff import portal_engine

    engine = portal_engine(load(args.config))
    try:
        user = find_user(engine, args.username)
        return user if change(engine, user) is not False else None
    except casefile.NotFound:
        err.print(f"[red]no user named {args.username!r}[/red]")
        return None
    finally:
        engine.dispose()


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from dsr import casefile

    user = _change_account(args, lambda engine, user: casefile.unlock(engine, user.id, actor="cli"))
    if user is None:
        return EXIT_CONFIG
    out.print(f"user [bold]{user.username}[/bold] unlocked")
    return EXIT_OK


def cmd_user_reset_totp(args: argparse.Namespace) -> int:
    from dsr import casefile

    user = _change_account(args, lambda engine, user: casefile.disable_totp(engine, user.id, actor="cli"))
    if user is None:
        return EXIT_CONFIG
    out.print(f"second factor of [bold]{user.username}[/bold] turned off; they set it up again after logging in")
    return EXIT_OK


def cmd_user_password(args: argparse.Namespace) -> int:
    import getpass

    from dsr import casefile
    from dsr.casefile.passwords import password_problem
    from dsr.service.staff import new_password

    password = ""

    def change(engine: Any, user: Any) -> bool:
        nonlocal password
        if args.prompt:
            password = getpass.getpass("password: ")
            if not password or password != getpass.getpass("again: "):
                err.print("the passwords differ or are empty")
                return False
            problem = password_problem(password)
            if problem is not None:
                err.print(f"[red]{escape(str(problem))}[/red]")
                return False
        else:
            password = new_password()
        casefile.set_password(engine, user.id, password, actor="cli")
        return True

    user = _change_account(args, change)
    if user is None:
        return EXIT_CONFIG
    out.print(f"password of [bold]{user.username}[/bold] changed; their sessions ended")
    if not args.prompt:
        out.print(f"password (shown only now): [bold]{password}[/bold]")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from dsr.config import load
    from dsr.service.anchoring import verify
    from dsr.service.staff import portal_engine

    settings = load(args.config)
    verified = verify(settings, portal_engine(settings), args.checkpoints)
    report = verified.report
    for problem in report.problems:
        err.print(f"[red]{problem.kind}[/red] at event {problem.seq}: {escape(problem.explanation)}", soft_wrap=True)
    if not report.ok:
        err.print(f"audit trail NOT intact: {len(report.problems)} problem(s) in {report.events} event(s)")
        return EXIT_FOUND
    matched = f", {verified.checkpoints} signed checkpoint(s) match" if args.checkpoints else ""
    out.print(f"audit trail intact: {report.events} event(s){matched}")
    return EXIT_OK


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from dsr.config import load
    from dsr.service.anchoring import write_checkpoint
    from dsr.service.staff import portal_engine

    settings = load(args.config)
    point, path = write_checkpoint(settings, portal_engine(settings), args.out)
    _say(f"checkpoint: event {point.seq} ({point.events} event(s)), head {point.head}, signed; appended to {path}")
    return EXIT_OK


def cmd_user_add(args: argparse.Namespace) -> int:
    import getpass

    from dsr.config import load
    from dsr.service.staff import add_user

    password = None
    if args.prompt:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            err.print("the passwords differ")
            return EXIT_CONFIG
    from dsr.casefile import InputRejected

    try:
        account = add_user(load(args.config), args.username, args.role, args.controller, password)
    except InputRejected as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return EXIT_CONFIG
    out.print(f"user [bold]{account.username}[/bold] created")
    if password is None:
        out.print(f"password (shown only now): [bold]{account.password}[/bold]")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from dsr.config import load
    from dsr.service.casework import handlers
    from dsr.service.queue import prepare
    from dsr.service.staff import portal_engine
    from dsr.service.worker import run

    settings = load(args.config)
    engine = portal_engine(settings)
    queue = prepare(settings, engine)  # [portal.jobs] backend: the job table, or procrastinate on PostgreSQL
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.print(f"worker running on the {queue.name} backend (Ctrl-C to stop)")
    try:
        run(settings, engine, handlers(settings), stop, idle=args.idle)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def cmd_housekeeping(args: argparse.Namespace) -> int:
    from dsr.config import load
    from dsr.service.housekeeping import tidy
    from dsr.service.staff import portal_engine

    settings = load(args.config)
    done = tidy(portal_engine(settings), settings)
    out.print(
        f"{done.downloads_ended} download offer(s) ended, {done.sessions_deleted} session(s) deleted, "
        f"{done.cases_purged} closed case(s) purged, {done.rate_limits_purged} ended rate-limit window(s) deleted, "
        f"{done.idempotency_keys_purged} idempotency key(s) deleted"
        + (", an audit checkpoint written" if done.checkpoints_written else "")
        + (f", {done.totp_secrets_sealed} second-factor secret(s) encrypted" if done.totp_secrets_sealed else "")
    )
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from dsr import casefile
    from dsr.config import load

    settings = load(args.config)
    prefix = settings.portal.table_prefix
    engine = casefile.open_engine(settings.portal_database_url, table_prefix=prefix)
    try:
        done = casefile.upgrade(engine)
        from dsr.service.queue import prepare

        queue = prepare(settings, engine)  # procrastinate's own tables on PostgreSQL (idempotent)
    finally:
        engine.dispose()
    if queue.name == "procrastinate":
        out.print("portal database: procrastinate's job queue tables present")
    if done.moved:
        out.print(f"portal database: tables renamed to the prefix {prefix!r} (from the names without prefix)")
    out.print(f"portal database: schema {done.before or 'none'} → {done.after} (newest)")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dsr import casefile
    from dsr.config import load
    from dsr.portal import create_app

    settings = load(args.config)
    # idempotent: a fresh install just works
    casefile.upgrade(settings.portal_database_url, table_prefix=settings.portal.table_prefix)
    out.print(f"portal on http://{args.host}:{args.port}{settings.portal.path or '/'}")
    proxies = trusted_proxies(settings, args.behind_proxy)
    # access log off: request lines would carry references; errors still go to stderr
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        access_log=False,
        proxy_headers=args.behind_proxy,
        forwarded_allow_ips=proxies,
        log_level="info" if args.verbose else "warning",
    )
    return EXIT_OK


def trusted_proxies(settings: Any, behind_proxy: bool) -> list[str]:
    """The addresses whose X-Forwarded-For/-Proto uvicorn believes (``forwarded_allow_ips``), said aloud:
    ``[portal] trusted_proxies``, else 127.0.0.1 only (uvicorn's default) — never every client."""
    configured = list(settings.portal.trusted_proxies)
    if not behind_proxy:
        if configured:
            _say("note: [portal] trusted_proxies is set, but without --behind-proxy forwarded headers are ignored")
        return configured or ["127.0.0.1"]
    if configured:
        _say(f"behind a proxy: X-Forwarded-For/-Proto trusted from {', '.join(configured)} only")
        return configured
    _say(
        "behind a proxy: X-Forwarded-For/-Proto trusted from 127.0.0.1 only "
        "([portal] trusted_proxies not set; list your proxies' addresses there)"
    )
    return ["127.0.0.1"]


def _say(text: str) -> None:
    out.print(escape(text), soft_wrap=True)


# --------------------------------------------------------------------------- parser


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dsr", description="Answer GDPR data-subject requests for James.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress (never personal data)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="demo stores + configuration + staff accounts, then the portal on :8000")
    d.add_argument("--out", default="demo", help="folder for the demo (default: ./demo)")
    d.add_argument("--readers-per-school", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--no-serve", action="store_true", help="set everything up, but do not start the portal")
    d.set_defaults(func=cmd_demo)

    dl = sub.add_parser("deadlines", help="list due and overdue cases (exit 1 if any is overdue; for cron)")
    dl.add_argument("--config", required=True)
    dl.add_argument("--within", type=int, default=7, help="days ahead to list (default 7)")
    dl.add_argument("--digest-to", metavar="EMAIL", help="also e-mail the digest to this address")
    dl.set_defaults(func=cmd_deadlines)

    au = sub.add_parser("audit", help="the hash-chained audit trail")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    av = au_sub.add_parser("verify", help="detect altered or deleted events (exit 1 on problems)")
    av.add_argument("--config", required=True)
    av.add_argument(
        "--checkpoints", metavar="FILE", help="also check the signed checkpoints in FILE (dsr audit checkpoint)"
    )
    av.set_defaults(func=cmd_audit_verify)
    ac = au_sub.add_parser(
        "checkpoint", help="sign the chain's head with the key of [portal.audit] and append it to a file"
    )
    ac.add_argument("--config", required=True)
    ac.add_argument("--out", metavar="FILE", help="JSON-lines file (default: [portal.audit] checkpoint_file)")
    ac.set_defaults(func=cmd_audit_checkpoint)

    us = sub.add_parser("user", help="staff accounts of the portal")
    us_sub = us.add_subparsers(dest="user_command", required=True)
    ua = us_sub.add_parser("add", help="create a staff account (random password unless --prompt)")
    ua.add_argument("--config", required=True)
    ua.add_argument("--username", required=True)
    ua.add_argument(
        "--role",
        action="append",
        required=True,
        choices=("officer", "approver", "admin"),
        help="repeat for several roles",
    )
    ua.add_argument("--controller", action="append", required=True, help="controller key; repeat for several")
    ua.add_argument(
        "--prompt",
        action="store_true",
        help="type the password (12 characters or more, not a common one) instead of generating one",
    )
    ua.set_defaults(func=cmd_user_add)
    uu = us_sub.add_parser("unlock", help="lift a lock-out after failed logins (every address)")
    uz = us_sub.add_parser("reset-totp", help="turn off the second factor (lost phone); set up again after login")
    up = us_sub.add_parser("password", help="set a new password (random, shown once, unless --prompt); ends sessions")
    for command, handler in ((uu, cmd_user_unlock), (uz, cmd_user_reset_totp), (up, cmd_user_password)):
        command.add_argument("--config", required=True)
        command.add_argument("--username", required=True)
        command.set_defaults(func=handler)
    up.add_argument("--prompt", action="store_true", help="type the password instead of generating one")

    wk = sub.add_parser("worker", help="run background jobs (gathering) outside the web server")
    wk.add_argument("--config", required=True)
    wk.add_argument("--idle", type=float, default=2.0, help="seconds to wait when no job is due")
    wk.set_defaults(func=cmd_worker)

    hk = sub.add_parser(
        "housekeeping", help="end expired downloads, delete old sessions, purge old request files (cron)"
    )
    hk.add_argument("--config", required=True)
    hk.set_defaults(func=cmd_housekeeping)

    g = sub.add_parser("demo-data", help="generate demo James stores and a dsr.toml for them")
    g.add_argument("--out", required=True, help="folder to write into")
    g.add_argument("--schools", type=int, default=2)
    g.add_argument("--readers-per-school", type=int, default=300)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the demo's reference day (default: today); the same seed and day give the same stores",
    )
    g.set_defaults(func=cmd_demo_data)

    c = sub.add_parser("check", help="validate configuration and mappings against the live stores")
    c.add_argument("--config", required=True)
    c.add_argument("--strict", action="store_true", help="fail on warnings too (e.g. a recipient not named)")
    c.add_argument(
        "--all", action="store_true", help="a line per controller (registry included): stores ok/failed, problems"
    )
    c.add_argument("--jobs", type=int, default=4, help="with --all: controllers checked at once (threads)")
    c.set_defaults(func=cmd_check)

    rt = sub.add_parser(
        "retention", help="count records kept past the register's storage rules (exit 1 if any; no personal data)"
    )
    rt.add_argument("--config", required=True)
    rt.add_argument("--controller", required=True)
    rt.add_argument("--on", type=_date, default=None, help="the day to judge by, YYYY-MM-DD (default: today)")
    rt.set_defaults(func=cmd_retention)

    x = sub.add_parser("disclose", help="answer an access request (Art. 15): letter PDF + machine-readable copy")
    x.add_argument("--config", required=True)
    x.add_argument("--controller", required=True, help="key of the controller the request is addressed to")
    who = x.add_argument_group("who the request is about (at least one)")
    who.add_argument("--card", help="library card number")
    who.add_argument("--login", help="catalogue login name")
    who.add_argument("--email", help="e-mail address on file")
    who.add_argument("--name", help='"First Last" (needs --dob to be a match)')
    who.add_argument("--dob", type=_date, help="date of birth, YYYY-MM-DD")
    who.add_argument("--customer", help="vendor customer number")
    who.add_argument("--invoice", help="vendor invoice number")
    x.add_argument("--out", required=True, help="folder for disclosure.pdf, disclosure.json, ...")
    x.add_argument("--lang", choices=("de", "en"), default=None, help="letter language (default: configured)")
    x.add_argument("--decisions", help="redaction decisions (JSON) to apply; produces the final letter")
    facts = x.add_argument_group('the request, as the letter states it (left out: "not recorded", a draft letter)')
    facts.add_argument("--reference", help="case reference for the letter")
    facts.add_argument(
        "--received", type=_received, metavar="YYYY-MM-DD[THH:MM]", help="when the request arrived (German local time)"
    )
    facts.add_argument("--channel", choices=CHANNELS, help="how the request arrived")
    facts.add_argument("--identity-check", choices=IDENTITY_CHECKS, help="how the requester's identity was checked")
    facts.add_argument(
        "--delivery",
        choices=("electronic", "post"),
        default="electronic",
        help="post: a paper letter (it says how to get the electronic copy instead of naming the embedded file)",
    )
    to = x.add_argument_group("the letter's addressee (default: name and address the stores hold for the subject)")
    to.add_argument("--recipient-name", help="name in the address field and the salutation")
    to.add_argument("--street", help="street and number")
    to.add_argument("--postal-code")
    to.add_argument("--city")
    x.set_defaults(func=cmd_disclose)

    m = sub.add_parser("migrate", help="create or migrate the portal database's schema (Alembic; idempotent)")
    m.add_argument("--config", required=True)
    m.set_defaults(func=cmd_migrate)

    v = sub.add_parser("serve", help="run the web portal (uvicorn)")
    v.add_argument("--config", required=True)
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from [portal] trusted_proxies (default 127.0.0.1 only): "
        "rate limits per real client",
    )
    v.set_defaults(func=cmd_serve)
    from dsr import erasure_cli  # erase, holds, restricted (imports this module: here, not at the top)

    erasure_cli.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except IdentityError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        for ref in exc.references:
            err.print(f"  candidate {ref}")
        return EXIT_IDENTITY
    except ConfigError as exc:
        err.print(f"[red]configuration error[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_CONFIG
    except DSRError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_STORE
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        err.print(
            f"[red]dsr {args.command} needs the optional part {extra!r}[/red]: " + escape(f"pip install 'dsr[{extra}]'")
        )
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
