"""``dsr erase``, ``dsr holds``, ``dsr restricted``: erasure and restriction from the command line
(docs/erasure.md; a restriction at the person's request: ``dsr erase --plan --restrict GROUND``).

Exit codes as in :mod:`dsr.cli`, and 6: refused (the plan is not approved, or was changed).
Nothing printed names a person: plan ids, stores, collections, record keys and counts only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from dsr.model import Descriptor

#: as in :mod:`dsr.cli` (which imports this module, so not imported from there)
EXIT_OK, EXIT_FOUND, EXIT_CONFIG, EXIT_STORE = 0, 1, 2, 4
EXIT_REFUSED = 6

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def descriptor_from(args: argparse.Namespace) -> Descriptor:
    """Who the request is about, from the options ``dsr disclose`` has too."""
    first = last = None
    if args.name:
        if "," in args.name:
            last, first = (p.strip() for p in args.name.split(",", 1))
        elif len(parts := args.name.split()) >= 2:
            first, last = " ".join(parts[:-1]), parts[-1]
        else:
            raise argparse.ArgumentTypeError("give first and last name, e.g. --name 'Anna Müller'")
    return Descriptor(
        card_number=args.card,
        login_name=args.login,
        email=args.email,
        first_name=first,
        last_name=last,
        date_of_birth=args.dob,
        customer_number=args.customer,
        invoice_number=args.invoice,
    )


def _settings(args: argparse.Namespace) -> Any:
    from dsr.config import load

    return load(args.config)


def _today(settings: Any, given: dt.date | None) -> dt.date:
    return given or dt.datetime.now(settings.zone).date()


def cmd_erase(args: argparse.Namespace) -> int:
    from dsr.casefile import CaseError
    from dsr.service.erasure import ErasureError

    try:
        if args.plan:
            return _plan(args)
        if args.execute:
            return _execute(args)
        if args.replay:
            return _replay(args)
        return _export(args)
    except CaseError as exc:
        err.print(f"[red]refused[/red] {escape(str(exc))}" + (f" ({exc.code})" if exc.code else ""), soft_wrap=True)
        return EXIT_REFUSED if getattr(exc, "code", None) else EXIT_CONFIG
    except ErasureError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_STORE if exc.code == "write_failed" else EXIT_CONFIG


def _plan(args: argparse.Namespace) -> int:
    from dsr.config import connect
    from dsr.pipeline.answer import identify
    from dsr.pipeline.erasure import PlannedOutcome, plan_json, plan_pdf
    from dsr.service.casework.common import close_connectors
    from dsr.service.erasure import make_plan, make_restriction_plan, propose
    from dsr.service.staff import portal_engine

    if not args.controller or not args.out:
        err.print("--plan needs --controller and --out")
        return EXIT_CONFIG
    try:
        descriptor = descriptor_from(args)
    except argparse.ArgumentTypeError as exc:
        err.print(str(exc))
        return EXIT_CONFIG
    if descriptor.is_empty():
        err.print("say who the request is about: --card, --login, --email or --name with --born")
        return EXIT_CONFIG
    settings = _settings(args)
    connectors = connect(settings, args.controller)
    try:
        subject = identify(settings, args.controller, connectors, descriptor)
    finally:
        close_connectors(connectors)
    if args.restrict:
        plan = make_restriction_plan(
            settings,
            args.controller,
            subject,
            ground=args.restrict,
            until=args.until,
            today=_today(settings, args.today),
        )
    else:
        plan = make_plan(settings, args.controller, subject, today=_today(settings, args.today))
    target = Path(args.out)
    target.mkdir(parents=True, exist_ok=True)
    (target / "plan.json").write_bytes(plan_json(plan))
    language = args.lang or settings.dsr.language
    (target / "plan.pdf").write_bytes(plan_pdf(plan, settings.controller(args.controller), language, settings.zone))
    engine = portal_engine(settings)
    try:
        propose(engine, plan, case_reference=args.case, actor="cli")
    finally:
        engine.dispose()
    count = {o: sum(1 for a in plan.actions if a.outcome is o) for o in PlannedOutcome}
    out.print(f"plan [bold]{plan.id}[/bold] proposed")
    if plan.kind == "restriction":
        until = args.until.isoformat() if args.until else "lifted"
        out.print(
            f"  {count[PlannedOutcome.RESTRICT]} to restrict at the person's request (Art. 18(1), ground "
            f"{plan.ground}) until {until}, {count[PlannedOutcome.KEEP]} kept (restrict by hand)"
        )
        if plan.recipients:
            out.print(f"  {len(plan.recipients)} recipient(s) to tell (Art. 19 GDPR)")
        out.print(f"written: {target / 'plan.json'}, {target / 'plan.pdf'}")
        out.print("a second person approves it in the portal; then: dsr erase --config … --execute " + plan.id)
        return EXIT_OK
    out.print(
        f"  {count[PlannedOutcome.ERASE]} to erase, {count[PlannedOutcome.RESTRICT]} to restrict until their holds end, "
        f"{count[PlannedOutcome.EXPIRES]} expire by themselves, {count[PlannedOutcome.KEEP]} kept"
    )
    for a in plan.actions:
        if a.outcome is PlannedOutcome.RESTRICT:
            until = a.erase_on.isoformat() if a.erase_on else "until the hold ends"
            kinds = ", ".join(h.kind.value for h in a.holds)
            out.print(f"  restrict {a.target.store}.{a.target.collection} {a.target.key}: {kinds} ({until})")
    if plan.recipients:
        out.print(f"  {len(plan.recipients)} recipient(s) to tell (Art. 19 GDPR)")
    if plan.incomplete:
        err.print(f"[yellow]warning:[/yellow] incomplete for store(s) {', '.join(plan.incomplete)}")
    out.print(f"written: {target / 'plan.json'}, {target / 'plan.pdf'}")
    out.print("a second person approves it in the portal; then: dsr erase --config … --execute " + plan.id)
    return EXIT_OK


def _execute(args: argparse.Namespace) -> int:
    from dsr.service.erasure import execute
    from dsr.service.staff import portal_engine

    settings = _settings(args)
    engine = portal_engine(settings)
    try:
        done = execute(engine, settings, args.execute, actor="cli")
    finally:
        engine.dispose()
    if done.again:
        out.print(f"plan {done.plan_id} was executed before: nothing more to do")
        return EXIT_OK
    out.print(
        f"plan [bold]{done.plan_id}[/bold] executed: {len(done.erased)} record(s) erased "
        f"({done.changed} changed now), {len(done.restricted)} restricted and scheduled, "
        f"{len(done.notices)} Art. 19 notice task(s) opened"
    )
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    from dsr.service.erasure import replay

    settings = _settings(args)
    path = Path(args.replay)
    if not path.is_file():
        err.print(f"no erasure log at {path}")
        return EXIT_CONFIG
    with path.open("rb") as lines:
        done = replay(settings, lines)
    out.print(
        f"replayed {done.steps} step(s) in {', '.join(done.stores) or 'no store'}: {done.changed} record(s) changed"
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from dsr.service.erasure import export_log
    from dsr.service.staff import portal_engine

    settings = _settings(args)
    engine = portal_engine(settings)
    try:
        content = export_log(engine, args.export_log)
    finally:
        engine.dispose()
    if args.out:
        Path(args.out).write_bytes(content)
        lines = content.count(b"\n")
        out.print(f"{lines} log line(s) written to {args.out}")
    else:
        sys.stdout.buffer.write(content)
    return EXIT_OK


def cmd_holds(args: argparse.Namespace) -> int:
    from dsr.service.erasure import due_holds, run_holds
    from dsr.service.staff import portal_engine

    settings = _settings(args)
    today = _today(settings, args.today)
    engine = portal_engine(settings)
    try:
        if args.run:
            run = run_holds(engine, settings, today, "cron" if args.cron else "cli")
            out.print(
                f"{len(run.erased)} restricted record(s) erased, {run.still_held} still held"
                + (f"; store(s) not written, tried again next run: {', '.join(run.failed)}" if run.failed else "")
            )
            return EXIT_STORE if run.failed else EXIT_OK
        held = due_holds(engine, settings, today)
    finally:
        engine.dispose()
    for h in held:
        until = h.until.isoformat() if h.until else "-"
        state = "due" if h.due else "held: " + ", ".join(h.waiting)
        t = h.target
        out.print(f"{h.plan_id}  {t.store}.{t.collection} {t.key}  until {until}  {state}", markup=False)
    due = sum(1 for h in held if h.due)
    out.print(f"{due} due, {len(held) - due} still held", markup=False)
    return EXIT_FOUND if due else EXIT_OK


def cmd_restricted(args: argparse.Namespace) -> int:
    from dsr.service.erasure import restriction_rows
    from dsr.service.staff import portal_engine

    settings = _settings(args)
    settings.controller(args.controller)  # a ConfigError for an unknown key
    if args.lift:
        return _lift(args, settings)
    engine = portal_engine(settings)
    try:
        rows = restriction_rows(engine, args.controller)
    finally:
        engine.dispose()
    entries = [
        {
            "store": r.target.store,
            "collection": r.target.collection,
            "key": r.target.key,
            "how": r.how,
            "since": r.created_at.date().isoformat(),
            "until": r.until.isoformat() if r.until else None,
            "plan": r.plan_id,
        }
        for r in rows
    ]
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["store", "collection", "key", "how", "since", "until", "plan"])
        writer.writeheader()
        writer.writerows({**e, "until": e["until"] or ""} for e in entries)
        sys.stdout.write(buffer.getvalue())
    return EXIT_OK


def _lift(args: argparse.Namespace, settings: Any) -> int:
    """Lift a restriction made at the person's request, once they were told (Art. 18(3) GDPR)."""
    from dsr.casefile import CaseError
    from dsr.service.erasure import lift_plan
    from dsr.service.staff import portal_engine

    engine = portal_engine(settings)
    try:
        lifted = lift_plan(engine, settings, args.lift, actor="cli", informed_on=args.informed_on, note=args.note or "")
    except CaseError as exc:
        err.print(f"[red]refused[/red] {escape(str(exc))} ({exc.code})", soft_wrap=True)
        return EXIT_REFUSED
    finally:
        engine.dispose()
    out.print(f"plan {args.lift}: {lifted} restriction(s) lifted")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``erase``, ``holds`` and ``restricted`` to the ``dsr`` parser's subcommands."""
    e = sub.add_parser("erase", help="erasure (Art. 17): plan, execute an approved plan, export or replay its log")
    e.add_argument("--config", required=True)
    mode = e.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="write plan.json and plan.pdf to --out; propose the plan")
    mode.add_argument("--execute", metavar="PLAN_ID", help="carry out a plan approved in the portal")
    mode.add_argument("--replay", metavar="LOG", help="apply an exported erasure log again (after a restore)")
    mode.add_argument("--export-log", metavar="PLAN_ID", help="the plan's erasure log as JSON lines (to --out)")
    e.add_argument("--controller", help="key of the controller (--plan)")
    e.add_argument("--out", help="--plan: folder for plan.json and plan.pdf; --export-log: the file")
    e.add_argument("--case", metavar="REFERENCE", help="--plan: the case the plan belongs to")
    e.add_argument("--lang", choices=("de", "en"), default=None, help="language of plan.pdf (default: configured)")
    e.add_argument("--today", type=_date, default=None, help="the day to plan by, YYYY-MM-DD (default: today)")
    e.add_argument(
        "--restrict",
        metavar="GROUND",
        choices=("accuracy", "unlawful", "claims", "objection"),
        help="--plan: restrict instead of erase, at the person's request (Art. 18(1) GDPR lit. a accuracy, "
        "b unlawful, c claims, d objection)",
    )
    e.add_argument(
        "--until", type=_date, default=None, help="--restrict: the last day, YYYY-MM-DD (default: until lifted)"
    )
    who = e.add_argument_group("who the request is about (--plan; as in dsr disclose)")
    who.add_argument("--card", help="library card number")
    who.add_argument("--login", help="catalogue login name")
    who.add_argument("--email", help="e-mail address on file")
    who.add_argument("--name", help='"First Last" (needs --born to be a match)')
    who.add_argument("--born", "--dob", dest="dob", type=_date, help="date of birth, YYYY-MM-DD")
    who.add_argument("--customer", help="vendor customer number")
    who.add_argument("--invoice", help="vendor invoice number")
    e.set_defaults(func=cmd_erase)

    h = sub.add_parser("holds", help="restricted records and their holds; --run erases those now due (cron)")
    h.add_argument("--config", required=True)
    h.add_argument("--run", action="store_true", help="erase what became due (audited)")
    h.add_argument("--cron", action="store_true", help="name the actor 'cron' in the audit trail")
    h.add_argument("--today", type=_date, default=None, help="the day to judge by, YYYY-MM-DD (default: today)")
    h.set_defaults(func=cmd_holds)

    r = sub.add_parser("restricted", help="the restriction list of a controller, for the embedding application")
    r.add_argument("--config", required=True)
    r.add_argument("--controller", required=True)
    r.add_argument("--format", choices=("csv", "json"), default="csv")
    r.add_argument("--lift", metavar="PLAN_ID", help="lift the restrictions of a restriction plan (Art. 18(3) GDPR)")
    r.add_argument(
        "--informed-on",
        type=_date,
        default=None,
        help="--lift: the day the person was told otherwise than by the lift notice, YYYY-MM-DD "
        "(without it: the day the case's lift notice was mailed; refused before it went out)",
    )
    r.add_argument("--note", default=None, help="--lift: how they were told (kept with the case)")
    r.set_defaults(func=cmd_restricted)
