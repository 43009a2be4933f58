"""Online activity in a school's catalogue: logins, searches, permission changes, security
incidents — and the web-log lines the same visits leave on the hosting servers.

Addresses are consistent between the database and the logs: a reader's home address is used by
that reader only; the school's NAT address is shared by everybody inside the school. Some searches
name a person (a classmate's reviews, a teacher's reading list): the search log and the web log's
request path (URL-encoded, as browsers send it) then hold the same name.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from dsr.demo.people import Person
from dsr.demo.retention import LOGIN_DAYS, PERMISSION_YEARS, SEARCH_DAYS, WEB_LOG_DAYS, day_start
from dsr.demo.weblogs import AGENTS, WebEvent, format_line
from dsr.demo.world import SchoolWorld, years_before

LOGIN_COLS = ("id", "person_id", "login_name", "occurred_at", "ip_address", "user_agent", "outcome")
SEARCH_COLS = ("id", "person_id", "occurred_at", "ip_address", "query", "result_count")
PRIV_COLS = (
    "id",
    "changed_at",
    "target_person_id",
    "actor_person_id",
    "old_roles",
    "new_roles",
    "ip_address",
    "reason",
)
INCIDENT_COLS = (
    "id",
    "detected_at",
    "kind",
    "ip_address",
    "user_agent",
    "target_person_id",
    "suspected_person_id",
    "action_taken",
    "reported_to_authority_at",
    "authority_reference",
    "handled_by_id",
    "evidence",
)
QUERIES = (
    "Harry Potter",
    "Tschick",
    "Gregs Tagebuch",
    "Pferde",
    "Minecraft",
    "Dinosaurier",
    "Die drei ???",
    "Manga",
    "Referat Klimawandel",
    "Abitur Mathe",
    "Krabat",
    "englisch lektüre",
    "Fußball",
    "Weltraum",
    "Ostwind",
)
#: searches for a person, ``{}`` the way they are named (full name, "Frau Müller", "Müller, Anna")
PERSON_QUERIES = ("{}", "{}", "Rezensionen {}", "Leseliste {}")
#: the share of searches that name a person
PERSON_SEARCH_SHARE = 0.15


@dataclass
class Activity:
    logins: list[tuple] = field(default_factory=list)
    searches: list[tuple] = field(default_factory=list)
    privileges: list[tuple] = field(default_factory=list)
    incidents: list[tuple] = field(default_factory=list)
    events: list[WebEvent] = field(default_factory=list)


def log_window(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The days with a log file: today and the days before it, as many as the register keeps."""
    return now.date() - dt.timedelta(days=WEB_LOG_DAYS - 1), now.date()


class _Recorder:
    def __init__(self, w: SchoolWorld, a: Activity) -> None:
        self.w, self.a = w, a
        self.now = w.now
        self.first_log_day = log_window(w.now)[0]
        # older searches are deleted already; their log lines are older than the log window too
        self.first_search = day_start(w.now, SEARCH_DAYS)
        self.opac = f"/opac/{w.tenant_key}"
        # a random source of its own, seeded from the world's without drawing from it: searches for
        # people leave every other generated row of a seed as it was
        self.asking = random.Random(repr(w.rng.getstate()[1][:8]))

    def web(self, at: dt.datetime, host: str, user: str, method: str, path: str, status: int, agent: str) -> None:
        if self.first_log_day <= at.date() and at <= self.now:
            self.a.events.append(
                WebEvent(
                    at,
                    host,
                    user,
                    method,
                    path,
                    status,
                    self.w.rng.randrange(800, 40000),
                    f"https://{self.w.tenant_key}.james.example{self.opac}/",
                    agent,
                )
            )

    def login(
        self, p: Person | None, typed: str, at: dt.datetime, ip: str, host: str, agent: str, outcome: str
    ) -> None:
        self.a.logins.append((len(self.a.logins) + 1, p.id if p else None, typed, at, ip, agent, outcome))
        self.web(at, host, "-", "POST", f"{self.opac}/login", 302 if outcome == "success" else 401, agent)

    def search(self, p: Person | None, at: dt.datetime, ip: str, host: str, agent: str) -> None:
        if not self.first_search <= at <= self.now:
            return
        q = self.w.rng.choice(QUERIES)
        if self.asking.random() < PERSON_SEARCH_SHARE:
            q = self._person_query(p)
        self.a.searches.append((len(self.a.searches) + 1, p.id if p else None, at, ip, q, self.w.rng.randrange(0, 60)))
        self.web(
            at,
            host,
            p.login_name if p and p.login_name else "-",
            "GET",
            f"{self.opac}/search?q={quote_plus(q)}&page=1",
            200,
            agent,
        )

    def _person_query(self, searcher: Person | None) -> str:
        """A search for somebody else of the school, named one of the ways people type it."""
        rng = self.asking
        others = [o for o in self.w.people if o is not searcher]
        someone = self.w.someone(rng.choice(others))
        form = rng.choice(("full", "full", "title", "reversed"))
        return rng.choice(PERSON_QUERIES).format(someone.render(form))


def build_activity(w: SchoolWorld) -> Activity:
    rng = w.rng
    a = Activity()
    rec = _Recorder(w, a)
    nat = w.nat_ip
    now = w.now
    # log-ins on LOGIN_DAYS + 1 days up to today, all younger than the register's 90 days
    since = day_start(now, LOGIN_DAYS)
    search_since = day_start(now, SEARCH_DAYS)
    featured = {w.featured["typical"]["id"], w.featured["contact"]["id"], *w.featured["namesakes"]["ids"]}
    for p in w.people:
        if not p.active or not p.login_name or (rng.random() > 0.6 and p.id not in featured):
            continue
        agent = rng.choice(AGENTS)
        for _ in range(rng.randint(1, 8)):
            at_home = p.home_ip is not None and rng.random() < 0.45
            day = since + dt.timedelta(days=rng.randrange(LOGIN_DAYS + 1))
            hour = rng.randint(16, 21) if at_home else rng.randint(8, 14)
            at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            if at > now:
                continue
            ip, host = (p.home_ip, p.home_host) if at_home else (nat, nat)
            if rng.random() < 0.05:
                rec.login(p, p.login_name, at - dt.timedelta(seconds=20), ip, host, agent, "bad_password")  # type: ignore[arg-type]
            rec.login(p, p.login_name, at, ip, host, agent, "success")  # type: ignore[arg-type]
            rec.web(at + dt.timedelta(seconds=2), host, p.login_name, "GET", f"{rec.opac}/konto", 200, agent)  # type: ignore[arg-type]
            for k in range(rng.randint(0, 3)):
                rec.search(p, at + dt.timedelta(seconds=30 * (k + 1)), ip, host, agent)  # type: ignore[arg-type]
    readers = [p for p in w.people if p.active]
    for _ in range(max(5, len(readers) // 3)):  # searches without logging in, from the school network
        at = (search_since + dt.timedelta(days=rng.randrange(SEARCH_DAYS + 1))).replace(
            hour=rng.randint(8, 14), minute=rng.randrange(60)
        )
        rec.search(None, at, nat, nat, rng.choice(AGENTS))
    for _ in range(max(2, len(readers) // 50)):  # typos: the typed name matches nobody
        p = rng.choice(readers)
        at = (since + dt.timedelta(days=rng.randrange(LOGIN_DAYS))).replace(
            hour=rng.randint(8, 14), minute=rng.randrange(60)
        )
        rec.login(None, f"{(p.login_name or 'x')[:-1]}x", at, nat, nat, rng.choice(AGENTS), "unknown_user")
    _privileges(w, a)
    _incidents(w, a, rec)
    return a


def _privileges(w: SchoolWorld, a: Activity) -> None:
    rng = w.rng
    admin = w.people[w.featured["staff"]["id"] - 1]
    pupils = [p for p in w.people if p.kind == "student"]
    for p in w.people:
        if not p.roles or p is admin:
            continue
        teacher = w.people[p.class_teacher_id - 1] if p.class_teacher_id else admin
        people = {"self": w.someone(p), "mate": w.someone(rng.choice(pupils)), "teacher": w.someone(teacher)}
        at = p.created_at + dt.timedelta(days=rng.randint(1, 200))
        at = min(at, w.now - dt.timedelta(days=1))
        a.privileges.append(
            (
                len(a.privileges) + 1,
                at,
                p.id,
                admin.id,
                None,
                p.roles,
                w.nat_ip,
                w.notes.write("privilege_reason", people).text,
            )
        )
    # helpers whose rights were withdrawn again, within the three years the register keeps ended rights
    kept_from = years_before(w.now, PERMISSION_YEARS) + dt.timedelta(days=1)
    leavers = sorted((p for p in pupils if p.left_at), key=lambda p: (p.left_at, p.id), reverse=True)
    former_helpers = [
        p for p in leavers if dt.datetime.combine(p.left_at, dt.time(9)) - dt.timedelta(days=30) > kept_from
    ][:2]  # type: ignore[arg-type]
    for p in former_helpers:
        at = dt.datetime.combine(p.left_at, dt.time(9)) - dt.timedelta(days=rng.randint(30, 200))  # type: ignore[arg-type]
        at = max(at, kept_from)
        people = {"self": w.someone(p), "mate": w.someone(rng.choice(pupils)), "teacher": w.someone(admin)}
        a.privileges.append(
            (
                len(a.privileges) + 1,
                at - dt.timedelta(days=300),
                p.id,
                admin.id,
                None,
                "circulation",
                w.nat_ip,
                w.notes.write("privilege_reason", people).text,
            )
        )
        a.privileges.append(
            (
                len(a.privileges) + 1,
                at,
                p.id,
                admin.id,
                "circulation",
                None,
                w.nat_ip,
                f"Rechte entzogen, {p.first_name} hilft nicht mehr in der Ausleihe.",
            )
        )


def _incidents(w: SchoolWorld, a: Activity, rec: _Recorder) -> None:
    rng = w.rng
    admin = w.people[w.featured["staff"]["id"] - 1]
    target = w.people[w.featured["incident"]["target"] - 1]
    suspect = w.people[w.featured["incident"]["suspect"] - 1]
    if suspect.home_ip is None:
        suspect.home_ip, suspect.home_host = w.pool.home_address()
    agent = AGENTS[2]
    # the suspect also logs in as themself from home: the address links the attempts to them
    start = (w.now - dt.timedelta(days=6)).replace(hour=19, minute=3, second=12)
    rec.login(
        suspect,
        suspect.login_name or "",
        start - dt.timedelta(minutes=30),
        suspect.home_ip,
        suspect.home_host or suspect.home_ip,
        agent,
        "success",
    )
    first_event = len(a.events)
    for k in range(12):
        rec.login(
            target,
            target.login_name or "",
            start + dt.timedelta(seconds=9 * k),
            suspect.home_ip,
            suspect.home_host or suspect.home_ip,
            agent,
            "bad_password" if k < 11 else "locked",
        )
    lines = "\n".join(format_line(e) for e in a.events[first_event : first_event + 6])
    target.locked_at = start + dt.timedelta(seconds=99)
    target.lock_reason = "Zu viele Fehlversuche"
    reported = start + dt.timedelta(days=2, hours=-9)
    evidence = (
        f"{lines}\n… 12 Fehlversuche für {target.login_name} von {suspect.home_ip} in 2 Minuten; "
        f"von derselben Adresse 30 Minuten vorher erfolgreiche Anmeldung als {suspect.login_name}."
    )
    a.incidents.append(
        (
            1,
            target.locked_at,
            "brute_force",
            suspect.home_ip,
            agent,
            target.id,
            suspect.id,
            "reported",
            reported,
            f"Polizei {w.town.city}, Vorgang {w.now.year}-{rng.randrange(10**5, 10**6)}",
            admin.id,
            evidence,
        )
    )
    helper = w.people[w.featured["helper"]["id"] - 1]
    at = w.now - dt.timedelta(days=rng.randint(20, 200))
    a.incidents.append(
        (
            2,
            at,
            "privilege_escalation",
            w.nat_ip,
            AGENTS[0],
            helper.id,
            helper.id,
            "none",
            None,
            None,
            admin.id,
            f"Zugriff auf /opac/{w.tenant_key}/admin/rollen mit Konto {helper.login_name} abgewiesen.",
        )
    )
    ext = f"203.0.113.{rng.randrange(1, 255)}"
    at = w.now - dt.timedelta(days=3, hours=5)
    line = format_line(
        WebEvent(at, ext, "-", "GET", f"/opac/{w.tenant_key}/search?q=%27%20OR%201%3D1--", 400, 312, "-", "sqlmap/1.8")
    )
    rec.web(at, ext, "-", "GET", f"/opac/{w.tenant_key}/search?q=%27%20OR%201%3D1--", 400, "sqlmap/1.8")
    a.incidents.append((3, at, "injection", ext, "sqlmap/1.8", None, None, "none", None, None, admin.id, line))
