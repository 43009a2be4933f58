"""Sentences that mention people, by genre and language, with slots the writer fills.

A slot is ``{ROLE.field}``: ROLE S is the requester; G a guardian and K a sibling of theirs
(same surname, same address); W the cousin stored under the transliteration of the requester's
name; T, T2, T3 other known people; N a known person whose surname is an ordinary word
("König"), M one whose first name is ("Max"), P one with a particle ("van der Berg"); U, U2
strangers no store knows; X the other party of a security incident; L the person a log line is
about (the requester or another). Fields: full, lf ("Last First"), comma ("Last, First"),
initial ("F. Last"), first, last, title ("Frau Last"; only the name is a span), low, typo,
email, phone, short (a cue and a local number), iban, ip, ip6, anyip, card, login, addr, lines
(an address on two lines), host, case, urlname, urllast, urlemail; rel (the relation's word),
myrel/Myrel and mycousin/Mycousin (with "mein(e)"/"my") are no spans. ``{BOOK}``, ``{AUTHOR}``,
``{CLASS}``, ``{DATE}``, ``{NR}``, ``{EUR}`` name nobody.
"""

from __future__ import annotations

BOOKS = [
    ("Michael Ende", "Momo"),
    ("Cornelia Funke", "Tintenherz"),
    ("Paul Maar", "Das Sams"),
    ("Kirsten Boie", "Seeräubermoses"),
    ("Erich Kästner", "Emil und die Detektive"),
    ("J. K. Rowling", "Harry Potter und der Stein der Weisen"),
    ("Astrid Lindgren", "Ronja Räubertochter"),
    ("Otfried Preußler", "Krabat"),
    ("Roald Dahl", "Matilda"),
    ("Jeff Kinney", "Gregs Tagebuch"),
    ("Wolfgang Herrndorf", "Tschick"),
    ("Andreas Steinhöfel", "Rico, Oskar und die Tieferschatten"),
]

NOTES_DE = [
    "{T.full} hat das Buch für {S.first} ausgegeben.",
    "Rückgabe durch {T.full}, Einband beschädigt. Rücksprache mit {S.full} am Montag.",
    "Mutter von {T.first} ({T.email}) hat angerufen, Rückruf unter {T.phone}.",
    "Ausweis {T.card} gehört nicht {S.first}, sondern {T.full}.",
    '{U.title} aus der {CLASS} hat das Buch "{BOOK}" von {AUTHOR} vorgemerkt.',
    "{S.full} wohnt {S.addr}; Post bitte nicht an {T.addr} schicken.",
    "Laut {T.full} war {U.full} beim Vorfall dabei.",
    "Unsere Schulleiterin {U.full} bittet um eine Kopie des Vertrags. Gruß, {S.full}",
    "{T.first} und {S.first} haben zusammen ein Referat über {AUTHOR} gehalten.",
    "{T.title} (Klassenlehrer) bittet um Verlängerung für {S.full}.",
    "Telefonnummer des Vaters: {U.phone}, E-Mail {U.email}.",
    "Bitte {S.card} sperren, Ersatzausweis beantragt.",
    "Mit {U.full} gesprochen, Schaden wird ersetzt.",
    "Vormerkung: {S.full} steht an Position 2, davor {T.full}.",
    "{T.comma} hat bei {S.first} geklingelt.",
    "Abholung durch {K.rel} {K.full}, Ausweis {S.card}.",
    "{K.comma} ({K.rel}) hat das Buch für {S.first} verlängert.",
    "Die Mahnung ging an {G.rel} {G.full} ({G.email}).",
    "{S.first} und {K.rel} {K.first} teilen sich die Bücher, bitte nicht verwechseln.",
    "Buch an {W.full} (Cousin/Cousine aus der {CLASS}) ausgegeben, nicht an {S.first}.",
    "Achtung Verwechslung: {W.full} ist nicht {S.full}, bitte Ausweis prüfen.",
    "Schaden am Einband; zuletzt bei {T.full} ({CLASS}), Mutter informiert.",
    "Wasserschaden gemeldet. Vorherige Ausleihe laut Verlauf: {T.lf}, davor {T2.full}.",
    "{N.title} hat die Lesung in der Aula organisiert.",
    "Rückgabe an {N.full} weitergeleitet.",
    "{M.full} hat zwei Bücher für die {CLASS} ausgeliehen.",
    "Bitte {N.title} informieren, dass das Buch da ist.",
    "{P.full} hat den Ausweis verloren, Ersatz beantragt.",
    "Rücksprache mit {P.title} wegen der Gebühr von {EUR} Euro.",
    "notiz: {T.low} hat angerufen wegen {BOOK}.",
    "Rückgabe {T.typo} ({CLASS}) erledigt, alles in Ordnung.",
    "Rückruf erbeten unter {T.phone} (bis 16 Uhr).",
    "Vater erreichbar: {U.short}.",
    "Handy des Vaters: {U.phone}, tagsüber {U2.phone}.",
    "Login {T.login} von IP {T.ip} gesperrt, Hinweis an {S.email}.",
    "Zugriff von {T.ip6} auf das Konto {S.login} – war das {T.first}?",
    "Link zur Suche an die Eltern geschickt: https://opac.gym.example/search?q={T.urlname}",
    "{T.initial} hat die Gebühr für {S.first} bar bezahlt.",
    "Neue Adresse von {T.full}: {T.addr}.",
    "Ersatzausweis für {S.full}, neue Anschrift {S.addr}, Tel. {S.phone}.",
    "{S.first} meldet, dass {T.full} das Buch mitgenommen hat.",
    "Rückgabe über Fernleihe, Ansprechpartner {U.full}, {U.addr}.",
    "Gespräch mit {S.full} und {G.rel} {G.full} am {DATE}.",
    "{K.full} ({K.rel}) bringt das Buch morgen zurück, Tel. {G.phone}.",
    "Hr. {T.last} hat die Liste der {CLASS} abgegeben, Mediennr. {NR} fehlt.",
    "Fr. {N.last} bittet um Rückruf: {N.phone}.",
    "Im Auftrag von {T.full} ({T.email}) verlängert.",
    "Bitte an {S.email} und {G.email} schreiben, nicht an {T.email}.",
    "Neue Telefonnummer von {T.full}: {T.phone}.",
    "Ersatzausweis an {T.addr} geschickt, Rückfragen unter {T.phone}.",
    "Adresse der Gastfamilie: {U.addr}, Tel. {U.phone}.",
    "Kontakt Elternbeirat: {U.full}, {U.addr}, {U.phone}.",
    "Lieferung an {T.addr} statt an {S.addr}.",
    "{S.first} ist umgezogen: {S.addr}, Handy {S.phone}.",
    "Telefonisch nicht erreichbar ({T.phone}), Brief an {T.addr}.",
    "Ausweis gefunden, gehört {T.full}, {T.addr}.",
    "Vertretung: {U.title}, erreichbar unter {U.phone}.",
    "Rückruf an {G.phone} oder {S.phone}, nicht an {T.phone}.",
]
NOTES_EN = [
    "Contact {T.email} or call {T.phone} about the fee paid by {T.full}.",
    "Mrs {U.last} from the parents' council asked about {S.first}'s card {S.card}.",
    "Admin {T.login} changed permissions for {S.email} from {T.ip}.",
    "I read {AUTHOR} with {U.first} last summer.",
    "Suspect: {T.full}, seen at {T.addr} with {U.full}.",
    "Refund to {T.iban} for {T.lf}.",
    '{S.full} returned "{BOOK}" late; {T.first} said it was lost at home.',
    "Hello, our principal {U.full} asks for a copy of the processing agreement. Regards, {S.full}",
    "Picked up by {K.full} ({K.rel}), card {S.card}.",
    "{G.full} ({G.rel}) called from {G.phone} about {S.first}'s fines.",
    "Do not mix up {W.full} and {S.full}: different cards.",
    "Water damage reported; previous borrower was {T.full}, parents informed.",
    "{N.title} organised the reading in the hall.",
    "{M.full}'s reservation is ready, please call {M.phone}.",
    "Spoke to {P.full} about the lost card.",
    "note: {T.low} called about the overdue book.",
    "Returned by {T.typo}, all fine.",
    "Call the father back, {U.short}.",
    "Parent contact: {U.full}, {U.phone}, {U.addr}.",
    "Exchange student {U.full} lives at {U.addr} until June.",
    "Mr. {T.last} dropped off the class list.",
    "Sent the search link to {T.first}: https://opac.gym.example/search?q={T.urlname}&lang=en",
    "{T.first}'s and {S.first}'s project on {AUTHOR} was great.",
    "Login from {T.anyip} blocked after five attempts, owner {T.full}.",
    "{T.initial} paid the fee for {S.first} in cash.",
    "New phone number for {T.full}: {T.phone}.",
    "Host family address: {U.addr}, phone {U.phone}.",
    "Card found, owner {T.full}, {T.addr}.",
    "{S.first} moved to {S.addr}, mobile {S.phone}.",
    "Please call {U.title} back on {U.phone}.",
    "{T.title}'s class borrowed ten books; {T.first}'s list is at the desk.",
]

REVIEWS_DE = [
    "Geht so. {W.Mycousin} {W.full} aus der {CLASS} fand es besser.",
    "Super Buch! Hab es mit {T.first} zusammen gelesen.",
    "{T.low} hat gesagt, das Ende ist doof, stimmt aber nicht!!",
    "Hat mir {K.myrel} {K.full} empfohlen, zu Recht.",
    "Voll spannend, {T.first} und ich haben es in zwei Tagen gelesen. {S.first}",
    "langweilig. {T.first} aus der {CLASS} fand es auch langweilig – {S.first}",
    "Hab das Buch von {T.full} ausgeliehen, weil es hier immer weg war.",
    "Ich fand es toll! Grüße an {T.first} und {T2.first}.",
    "{K.Myrel} {K.first} liest es jetzt auch. {S.full}",
    "Das Buch ist super, {N.full} aus meiner Klasse fand es auch gut.",
    "Ganz ok. Hab es für {S.full} zurückgegeben, weil {T.first} krank war.",
    "Empfehlung von {T.typo}, war ein guter Tipp.",
    "bestes buch ever!!! {S.low}",
]
REVIEWS_EN = [
    "Great book! My friend {T.full} recommended it. - {S.first}",
    "Boring. {T.first}'s copy had pages missing.",
    "{K.Myrel} {K.first} loved it too.",
    "Read it with {T.low} for class, pretty good.",
    "{T.full} said it was the best book ever and they were right.",
    "Not bad. {W.full} from {CLASS} liked it more. {S.first}",
    "Recommended by {T.typo}, thanks!",
]

PAYMENTS_DE = [
    "Überweisung von {G.lf}, IBAN {G.iban}, Verwendungszweck: Ersatz Buch, Ausweis {S.card}.",
    "Zahlung eingegangen: {T.full}, {T.iban}, {EUR} EUR, Mahngebühr für {S.first}.",
    "Lastschrift von {S.iban} zurückgegeben, bitte {G.full} informieren.",
    "Gebühr bezahlt von {T.lf} per Überweisung, IBAN {T.iban}.",
    "Zahlung über {U.iban} eingegangen, Absender {U.full}.",
    "Erstattung an {G.full}, IBAN {G.iban}, für {S.full}.",
    "Bareinzahlung {EUR} Euro durch {K.full} für {S.first}.",
    "Überweisung von {P.lf}, Konto {P.iban}, Betreff: Mahnung {NR}.",
]
PAYMENTS_EN = [
    "Refund to {T.iban} for {T.lf}.",
    "Payment received from {G.full}, IBAN {G.iban}, for {S.first}'s lost book.",
    "Transfer from {U.full} ({U.iban}), reference {NR}.",
    "Direct debit from {S.iban} bounced, please contact {G.email}.",
]

INCIDENTS_DE = [
    "Sicherheitsvorfall am {DATE}: fehlgeschlagene Anmeldungen für {S.login} von {X.ip} ({X.host}). Anzeige erstattet, {X.case}.",
    "Der Angreifer nutzte die Adresse {X.ip}; laut Provider {X.host}. Polizei informiert, {X.case}. Betroffen: {S.full}.",
    "Phishing-Mail an {S.email} von {X.email}, versendet über {X.ip}. {X.case}.",
    "Konto {S.login} übernommen, Zugriffe von {X.ip6} und {X.ip}. Strafanzeige, {X.case}.",
    "Vorfall gemeldet von {T.full}: Unbekannter ({X.host}) hat Daten von {S.full} abgerufen.",
]
INCIDENTS_EN = [
    "Incident: login attempts on {S.email} from {X.ip} (host {X.host}), reported to police, {X.case}.",
    "Phishing mail to {S.email} sent from {X.email} via {X.ip}; {X.case}.",
    "Account {S.login} taken over from {X.ip6}; police informed, {X.case}.",
]

# log lines: {TS} timestamp, {SIZE}, {UA} user agent; L is the person of the line
LOGS = [
    '{L.ip} - {L.login} [{TS}] "GET /opac/gym/search?q={T.urlname}&lang=de HTTP/1.1" 200 {SIZE} "-" "{UA}"',
    '{L.ip} - - [{TS}] "GET /opac/gym/search?q={T.urllast} HTTP/1.1" 200 {SIZE} '
    '"https://www.google.com/search?q={T.urlname}" "{UA}"',
    '{L.ip} - {L.login} [{TS}] "GET /opac/gym/account/{L.urlemail}/loans HTTP/1.1" 200 {SIZE} "-" "{UA}"',
    '{L.ip6} - - [{TS}] "GET /opac/gym/record/{NR} HTTP/1.1" 200 {SIZE} '
    '"https://opac.gym.example/search?q={T.urlname}" "{UA}"',
    '{L.ip} - {L.login} [{TS}] "GET /opac/gym/search?q={BOOK} HTTP/1.1" 200 {SIZE} "-" "{UA}"',
    "{TS} INFO search user={L.login} ip={L.ip} q={T.urlname}",
    "{TS} WARN auth: failed login for {L.email} from {L.ip}",
    "{TS} INFO session start user={L.login} addr={L.ip6}",
    "{TS} INFO mail sent to {L.email} (reservation {NR})",
    '{L.ip} - - [{TS}] "POST /opac/gym/password-reset?email={L.urlemail} HTTP/1.1" 302 0 "-" "{UA}"',
    '{L.ip} - {L.login} [{TS}] "GET /opac/gym/search?q={T.urlemail}&type=reader HTTP/1.1" 200 {SIZE} "-" "{UA}"',
]

EMAIL_BODIES_DE = [
    'könnten Sie das Buch "{BOOK}" für {S.first} noch zwei Wochen verlängern?',
    "{S.first} hat den Ausweis {S.card} verloren. Bitte sperren Sie ihn.",
    "die Mahnung für {S.full} ist ein Versehen, das Buch hat {T.full} zurückgegeben.",
    "wir sind umgezogen, neue Adresse: {S.addr}.",
    "bitte schicken Sie Post nicht mehr an {T.addr}, sondern an uns.",
    "das Buch hat {K.myrel} {K.first} aus Versehen mitgenommen.",
    "die Gebühr habe ich von meinem Konto {G.iban} überwiesen.",
    "{T.full} aus der {CLASS} hat das Buch beschädigt, nicht {S.first}.",
    "{S.first} kommt nicht mehr ins Konto. Laut Anzeige kam die letzte Anmeldung von {X.anyip}, nicht von uns ({S.ip}).",
]
EMAIL_BODIES_EN = [
    'could you extend "{BOOK}" for {S.first} by two weeks?',
    "{S.first} lost the card {S.card}, please block it.",
    "the reminder for {S.full} is a mistake, {T.full} returned the book.",
    "we moved, the new address is {S.addr}.",
    "{T.full}'s mother says the book is at their place.",
    "someone logged into {S.first}'s account from {X.anyip}; our own address is {S.ip}.",
]
GREETINGS = {
    "de": ["Sehr geehrte Damen und Herren,", "Hallo liebes Bibliotheksteam,", "Guten Tag,", "Guten Tag {T3.title},"],
    "en": ["Dear library team,", "Hello,", "Dear Sir or Madam,", "Hi {T3.first},"],
}
CLOSINGS = {
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "LG"],
    "en": ["Kind regards,", "Best wishes,", "Thanks,", "Regards,"],
}
#: signature lines under the closing, by what they say; the sender fills role Y (the requester,
#: a guardian, another known person or a stranger)
SIGNATURE_LINES = {
    "de": {
        "address": ["{Y.lines}"],
        "phone": ["Tel. {Y.phone}", "Mobil: {Y.phone}"],
        "email": ["{Y.email}", "E-Mail: {Y.email}"],
    },
    "en": {"address": ["{Y.lines}"], "phone": ["Phone: {Y.phone}", "Mobile {Y.phone}"], "email": ["{Y.email}"]},
}

TEMPLATES = {
    ("note", "de"): NOTES_DE,
    ("note", "en"): NOTES_EN,
    ("review", "de"): REVIEWS_DE,
    ("review", "en"): REVIEWS_EN,
    ("payment", "de"): PAYMENTS_DE,
    ("payment", "en"): PAYMENTS_EN,
    ("incident", "de"): INCIDENTS_DE,
    ("incident", "en"): INCIDENTS_EN,
    ("email", "de"): EMAIL_BODIES_DE,
    ("email", "en"): EMAIL_BODIES_EN,
}
