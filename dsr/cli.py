"""``dsr …``: the command line. Thin: every command calls a core function.

Exit codes: 0 done · 1 a check found something (overdue cases) · 2 configuration error ·
3 the subject is ambiguous or unknown · 4 a store failed (nothing written; retry later).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from dsr.errors import ConfigError, DSRError, IdentityError
from dsr.model import Descriptor

EXIT_OK, EXIT_FOUND, EXIT_CONFIG, EXIT_IDENTITY, EXIT_STORE = 0, 1, 2, 3, 4

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
    from dsr.demo import generate

    summary = generate(Path(args.out), schools=args.schools, readers_per_school=args.readers_per_school, seed=args.seed)
    out.print(f"demo stores written to [bold]{Path(args.out).resolve()}[/bold]")
    out.print(f"configuration: {summary.config}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from dsr.check import check

    problems = check(args.config)
    for p in problems:
        err.print(f"[red]error[/red] {p}", soft_wrap=True)
    if problems:
        err.print(f"{len(problems)} problem(s)")
        return EXIT_CONFIG
    out.print("configuration and mappings match the live stores")
    return EXIT_OK


def cmd_disclose(args: argparse.Namespace) -> int:
    from dsr.access import answer_access

    descriptor = descriptor_from(args)
    if descriptor.is_empty():
        err.print("say who the request is about: --card, --login, --email or --name with --dob")
        return EXIT_CONFIG
    result = answer_access(
        args.config,
        args.controller,
        descriptor,
        out_dir=Path(args.out),
        language=args.lang,
        decisions=Path(args.decisions) if args.decisions else None,
    )
    for report in result.reports:
        out.print(f"  {report.store}: {report.state} ({report.records} records)"
                  + (f", {report.malformed_lines} malformed lines skipped" if report.malformed_lines else ""))
    if not result.complete:
        failed = ", ".join(r.store for r in result.reports if r.state == "failed")
        err.print(f"[red]store(s) failed:[/red] {failed} — nothing written; run again when they are back")
        return EXIT_STORE
    for label, path in result.files.items():
        out.print(f"{label}: [bold]{path}[/bold]")
    if result.open_reviews:
        out.print(f"[yellow]{result.open_reviews} redaction item(s) need review[/yellow] — the letter is a draft; "
                  f"decide them in {result.files.get('review')} and run again with --decisions FILE")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from dsr.demo import generate

    target = Path(args.out)
    summary = generate(target, schools=2, readers_per_school=args.readers_per_school, seed=args.seed)
    out.print(f"demo stores and configuration in [bold]{target.resolve()}[/bold]")
    pupil = summary.featured_pupil()
    ns = argparse.Namespace(
        config=str(summary.config), controller=pupil.controller, card=pupil.card_number, login=None, email=None,
        name=None, dob=None, out=str(target / "answer"), lang=args.lang, decisions=None,
    )
    out.print(f"answering an access request for the demo reader with card {pupil.card_number} "
              f"at controller {pupil.controller}")
    out.print(f"try yourself: dsr disclose --config {summary.config} --controller {pupil.controller} "
              f"--card {pupil.card_number} --out answer")
    return cmd_disclose(ns)


# --------------------------------------------------------------------------- parser


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dsr", description="Answer GDPR data-subject requests for James.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress (never personal data)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="generate demo stores and answer a request for a demo reader")
    d.add_argument("--out", default="demo", help="folder for the demo (default: ./demo)")
    d.add_argument("--readers-per-school", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--lang", choices=("de", "en"), default="de")
    d.set_defaults(func=cmd_demo)

    g = sub.add_parser("demo-data", help="generate demo James stores and a dsr.toml for them")
    g.add_argument("--out", required=True, help="folder to write into")
    g.add_argument("--schools", type=int, default=2)
    g.add_argument("--readers-per-school", type=int, default=300)
    g.add_argument("--seed", type=int, default=1)
    g.set_defaults(func=cmd_demo_data)

    c = sub.add_parser("check", help="validate configuration and mappings against the live stores")
    c.add_argument("--config", required=True)
    c.set_defaults(func=cmd_check)

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
    x.set_defaults(func=cmd_disclose)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except IdentityError as exc:
        err.print(f"[red]{exc}[/red]")
        for ref in exc.references:
            err.print(f"  candidate {ref}")
        return EXIT_IDENTITY
    except ConfigError as exc:
        err.print(f"[red]configuration error[/red] {exc}", soft_wrap=True)
        return EXIT_CONFIG
    except DSRError as exc:
        err.print(f"[red]error[/red] {exc}", soft_wrap=True)
        return EXIT_STORE


if __name__ == "__main__":
    sys.exit(main())
