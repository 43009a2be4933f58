"""How log lines are described in the letter: what a line is, each field, and how long logs are kept."""

from __future__ import annotations

from dsr.model import Classification, CollectionSpec, FieldSpec

ACTIVITY = "web-logs"
CATEGORY = "web-server logs"
LINES = "log_lines"
ANONYMOUS = "anonymous_lines"

_OWN, _SYSTEM, _TEXT = Classification.OWN, Classification.SYSTEM, Classification.FREE_TEXT
#: the texts of a description: German, German for a young reader addressed in "du", English
_FORMS = ("de", "du", "en")
#: what the letter says about the two address fields: shown decoded, other people taken out
_DECODED = {
    "de": "Kodierte Zeichen der Adresse (etwa %C3%BC für ü, + für ein Leerzeichen) sind lesbar dargestellt; "
    "Angaben über andere Personen, etwa ein gesuchter Name, sind entfernt.",
    "en": "Encoded characters of the address (such as %C3%BC for ü, + for a space) are shown readably; "
    "information about other people, such as a name searched for, is removed.",
}

FIELDS = (
    FieldSpec(name="time", classification=_OWN, kind="datetime", label={"de": "Zeitpunkt", "en": "Time"}),
    FieldSpec(
        name="host",
        classification=_OWN,
        label={"de": "Adresse oder Rechnername", "en": "Address or host name"},
        explain={
            "de": "Die IP-Adresse, von der die Anfrage kam, oder – wo die Namensauflösung eingeschaltet war – "
            "der Rechnername, den Ihr Internetanbieter dieser Adresse gegeben hat.",
            "du": "Die IP-Adresse, von der die Anfrage kam, oder – wo die Namensauflösung eingeschaltet war – "
            "der Rechnername, den dein Internetanbieter dieser Adresse gegeben hat.",
            "en": "The IP address the request came from or, where name lookups were switched on, the host "
            "name your internet provider gave that address.",
        },
    ),
    FieldSpec(name="user", classification=_OWN, label={"de": "Angemeldet als", "en": "Logged in as"}),
    FieldSpec(
        name="method",
        classification=_SYSTEM,
        kind="code",
        label={"de": "Art der Anfrage", "en": "Kind of request"},
        codes={
            "GET": {"de": "Seite abgerufen", "en": "page fetched"},
            "HEAD": {"de": "nur Kopfdaten abgerufen", "en": "headers only fetched"},
            "POST": {"de": "Formular abgeschickt", "en": "form submitted"},
        },
    ),
    FieldSpec(
        name="path", classification=_TEXT, label={"de": "Aufgerufene Seite", "en": "Page requested"}, explain=_DECODED
    ),
    FieldSpec(name="protocol", classification=_SYSTEM, kind="code", label={"de": "Protokoll", "en": "Protocol"}),
    FieldSpec(
        name="status",
        classification=_SYSTEM,
        kind="code",
        label={"de": "Ergebnis", "en": "Result"},
        codes={
            "200": {"de": "erfolgreich", "en": "successful"},
            "204": {"de": "erfolgreich, ohne Inhalt", "en": "successful, no content"},
            "301": {"de": "dauerhaft umgeleitet", "en": "moved permanently"},
            "302": {"de": "umgeleitet", "en": "redirected"},
            "304": {"de": "unverändert (aus dem Browser-Zwischenspeicher)", "en": "not modified (browser cache)"},
            "400": {"de": "fehlerhafte Anfrage", "en": "bad request"},
            "401": {"de": "Anmeldung erforderlich", "en": "login required"},
            "403": {"de": "nicht erlaubt", "en": "forbidden"},
            "404": {"de": "Seite nicht gefunden", "en": "page not found"},
            "500": {"de": "Fehler des Servers", "en": "server error"},
            "503": {"de": "Server vorübergehend nicht erreichbar", "en": "server temporarily unavailable"},
        },
    ),
    FieldSpec(name="bytes", classification=_SYSTEM, kind="int", label={"de": "Übertragene Bytes", "en": "Bytes sent"}),
    FieldSpec(
        name="referer",
        classification=_TEXT,
        label={"de": "Vorher besuchte Seite", "en": "Previous page (referrer)"},
        explain=_DECODED,
    ),
    FieldSpec(
        name="user_agent",
        classification=_OWN,
        kind="user_agent",  # the letter shortens it ("Firefox 128 unter Windows"); the JSON keeps it whole
        label={"de": "Browser und Betriebssystem", "en": "Browser and operating system"},
        explain={
            "de": "So, wie Ihr Browser sich dem Server gemeldet hat.",
            "du": "So, wie dein Browser sich dem Server gemeldet hat.",
            "en": "As your browser announced itself to the server.",
        },
    ),
)

_WHAT = {
    "de": "Der Webserver schreibt für jeden Seitenaufruf eine Zeile in sein Protokoll: den Zeitpunkt, die "
    "IP-Adresse Ihres Internetzugangs oder den Rechnernamen Ihres Internetanbieters, die aufgerufene Seite, "
    "ob der Aufruf gelang und wie viele Daten übertragen wurden, die vorher besuchte Seite sowie Browser und "
    "Betriebssystem, wie Ihr Browser sie meldet.",
    # "du": for a young reader addressed in "du" (docs/letter.md)
    "du": "Der Webserver schreibt für jeden Seitenaufruf eine Zeile in sein Protokoll: den Zeitpunkt, die "
    "IP-Adresse deines Internetzugangs oder den Rechnernamen deines Internetanbieters, die aufgerufene Seite, "
    "ob der Aufruf gelang und wie viele Daten übertragen wurden, die vorher besuchte Seite sowie Browser und "
    "Betriebssystem, wie dein Browser sie meldet.",
    "en": "For every page requested, the web server writes one line to its log: the time, the IP address of "
    "your internet connection or the host name of your internet provider, the page requested, whether the "
    "request succeeded and how much data was sent, the previous page, and the browser and operating system "
    "as your browser reports them.",
}

_TITLES = {
    "catalogue": {
        "de": "Aufrufe des Online-Katalogs (Webserver-Protokoll)",
        "en": "Requests to the online catalogue (web server log)",
    },
    "site": {"de": "Aufrufe unserer Website (Webserver-Protokoll)", "en": "Requests to our web site (web server log)"},
}

_WHOSE = {
    "catalogue": {
        "de": "Gezeigt werden die Zeilen, die entstanden, während Sie im Katalog angemeldet waren.",
        "du": "Gezeigt werden die Zeilen, die entstanden, während du im Katalog angemeldet warst.",
        "en": "Shown are the lines written while you were logged in to the catalogue.",
    },
    "site": {
        "de": "Gezeigt werden die Zeilen, die entstanden, während Sie im Kundenbereich angemeldet waren.",
        "du": "Gezeigt werden die Zeilen, die entstanden, während du im Kundenbereich angemeldet warst.",
        "en": "Shown are the lines written while you were logged in to the customer area.",
    },
}

_ANONYMOUS = {
    "de": "Diese Aufrufe geschahen ohne Anmeldung. Wir rechnen sie Ihnen zu, weil nach unseren Anmeldedaten "
    "nur Sie sich je von dieser Adresse aus angemeldet haben. Aufrufe ohne Anmeldung von Adressen, die mehrere "
    "Personen nutzen (etwa der gemeinsame Internetzugang einer Schule), sind nicht enthalten: Sie lassen sich "
    "keiner Person zuordnen.",
    "du": "Diese Aufrufe geschahen ohne Anmeldung. Wir rechnen sie dir zu, weil nach unseren Anmeldedaten "
    "nur du dich je von dieser Adresse aus angemeldet hast. Aufrufe ohne Anmeldung von Adressen, die mehrere "
    "Personen nutzen (etwa der gemeinsame Internetzugang einer Schule), fehlen, weil man sie keiner Person "
    "zuordnen kann.",
    "en": "These requests were made without logging in. We attribute them to you because, according to our "
    "login records, only you ever logged in from that address. Requests without login from addresses that "
    "several people use (such as a school's shared internet connection) are not included: they cannot be "
    "attributed to anyone.",
}


def _retention(days: int | None) -> dict[str, str]:
    if days is None:
        return {"de": "", "en": ""}
    return {
        "de": f" Die Protokolldateien werden nach {days} Tagen gelöscht.",
        "en": f" The log files are deleted after {days} days.",
    }


def specs(store: str, scope: str, retention_days: int | None, anonymous: bool) -> list[CollectionSpec]:
    """The collections a log store yields: its lines and, when switched on, the anonymous group."""
    keep = _retention(retention_days)
    out = [
        CollectionSpec(
            store=store,
            name=LINES,
            title=_TITLES[scope],
            description={lang: f"{_WHAT[lang]} {_WHOSE[scope][lang]}{keep.get(lang, keep['de'])}" for lang in _FORMS},
            activity=ACTIVITY,
            category=CATEGORY,
            fields=FIELDS,
            order_by="time",
        )
    ]
    if anonymous:
        out.append(
            CollectionSpec(
                store=store,
                name=ANONYMOUS,
                title={
                    "de": "Aufrufe ohne Anmeldung von einer nur von Ihnen genutzten Adresse",
                    "du": "Aufrufe ohne Anmeldung von einer nur von dir genutzten Adresse",
                    "en": "Requests without login from an address only you used",
                },
                description={lang: f"{_WHAT[lang]} {_ANONYMOUS[lang]}{keep.get(lang, keep['de'])}" for lang in _FORMS},
                activity=ACTIVITY,
                category=CATEGORY,
                fields=FIELDS,
                order_by="time",
            )
        )
    return out
