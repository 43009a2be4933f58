"""Sentences that name nobody, written to tempt a rule: real notes are mostly these. Common
nouns that are also surnames or first names ("im Sommer", "der König", "5 Mark"), capitalised
nouns after words that often precede a name ("mit Freude", "von Zuhause", "bei Regen"), the
formal pronouns ("Sie", "Ihr", "bei Ihnen"), abbreviations with a dot ("Mediennr. 4711",
"Inv.-Nr."), capitalised words at the start of a sentence, place and institution names.

Slots: ``{BOOK}``, ``{AUTHOR}``, ``{CLASS}``, ``{DATE}``, ``{NR}``, ``{EUR}`` (see templates), and
``{NOUN}``, ``{PEOPLE}``, ``{WEEKDAY}``, ``{MONTH}``, ``{BROWSER}``, ``{OS}``, ``{DEVICE}``, ``{CITY}``
(filled from the word lists below).
"""

from __future__ import annotations

NEUTRAL_DE = [
    "Das Buch wurde mit leichtem Wasserschaden zurückgegeben.",
    "Verlängerung um zwei Wochen gewährt.",
    "Mahnung am {DATE} verschickt, Gebühr {EUR} Euro.",
    "Bitte beim nächsten Besuch den Ausweis mitbringen.",
    "Die Klasse {CLASS} hat am Dienstag eine Führung durch die Bibliothek.",
    "Ersatzexemplar bestellt, Lieferung in 5 Tagen.",
    "Ausleihe nur mit Einverständnis der Eltern.",
    "Medium im Regal Sachbuch 3 eingestellt.",
    "Rückgabe am Freitag nach der 6. Stunde.",
    "Mit Erlaubnis der Schulleitung ausgeliehen.",
    "Von Montag bis Mittwoch geschlossen wegen Inventur.",
    "Sehr spannend, ich habe es in zwei Tagen gelesen!",
    'Das Buch "{BOOK}" von {AUTHOR} ist wieder da.',
    "Signatur {NR} neu vergeben, Etikett erneuert.",
    "Fernleihe aus der Stadtbibliothek Augsburg, Rückgabe bis {DATE}.",
    "Die Stadtbücherei Regensburg hat uns 20 Kisten Bücher geschenkt.",
    "Die Lesung im Rahmen des Welttags des Buches fällt aus.",
]
NEUTRAL_EN = [
    "The book was returned with a torn cover.",
    "Loan extended by two weeks.",
    "Great story, highly recommended!",
    "Fee of {EUR} EUR paid in cash on {DATE}.",
    "Please bring your card next time.",
    "Reserved copy is waiting at the desk.",
    "Library closed on Monday for stocktaking.",
    'Copy of "{BOOK}" by {AUTHOR} relabelled.',
]

# words that are also names, used as words
NOUN_WORDS_DE = [
    "Der König in dem Märchen ist ziemlich lustig.",
    "Im Sommer ist die Bibliothek nur vormittags geöffnet.",
    "Im Winter bleiben die Fenster zu, bitte Jacken an der Garderobe lassen.",
    "Das Referat über den Wolf war sehr gut.",
    "Ein Sachbuch über den Fuchs und seine Jungen fehlt im Regal.",
    "Der Koch der Mensa hat drei Kochbücher gespendet.",
    "Der Bauer im Bilderbuch hat eine rote Mütze.",
    "Im Ernst, das Buch ist super.",
    "Das Heft kostete früher 5 Mark.",
    "Max. 3 Bücher pro Ausweis.",
    "Der Schmied in der Geschichte baut ein Schwert.",
    "Ein Vogel ist gegen das Fenster der Bibliothek geflogen.",
    "Der Engel auf dem Titelbild ist abgegriffen.",
    "Der Kaiser in dem Buch trägt keine Kleider.",
    "Lange nicht so ein gutes Buch gelesen.",
    "Klein, aber fein: die neue Comic-Ecke.",
    "Die Rose im Schulgarten blüht schon.",
    "Der Graf im Roman ist der Bösewicht.",
    "Der Hahn auf dem Cover ist süß.",
    "Jung und Alt kamen zur Lesung.",
    "Frank und frei: die Schülerzeitung berichtet.",
    "Die Bach-Kantate wurde im Musikunterricht besprochen.",
    "Mit Fuchs und Hase durch den Wald, ein Bilderbuch für die 1. Klasse.",
    "Von Winter bis Sommer geöffnet, in den Ferien geschlossen.",
]
NOUN_WORDS_EN = [
    "The king in the story is very funny.",
    "Mark as returned once the cover is fixed.",
    "Max. 3 items per card.",
    "Summer opening hours start in July.",
    "A book about the wolf and the fox is missing.",
    "Rose petals were pressed between the pages.",
    "Frank discussion in class about the ending.",
]

# capitalised nouns right after words that often precede a name
CUE_NOUNS_DE = [
    "Mit Freude gelesen, bitte mehr davon!",
    "Das Buch ist mit Bleistift angemalt.",
    "Von Zuhause aus kann man jetzt auch verlängern.",
    "Bei Regen bleibt die Leseecke im Hof geschlossen.",
    "Geeignet für Kinder ab 8 Jahren.",
    "Von Hand repariert, Rücken mit Klebeband verstärkt.",
    "Bei Fragen bitte im Sekretariat melden.",
    "Mit Bildern und Karten, sehr anschaulich.",
    "Von Seite 12 bis 30 fehlen Seiten.",
    "Für Anfänger gut geeignet.",
    "Mit Tesafilm geklebt, bitte nicht wieder so reparieren.",
    "Von Vorteil wäre ein zweites Exemplar.",
    "Bei Verlust wird der Wiederbeschaffungswert berechnet.",
    "Für Referate darf man das Buch vier Wochen behalten.",
    "Mit Mediennr. {NR} ausgeliehen, Barcode unleserlich.",
    "Von Nr. {NR} bis {NR} alle Bände zurück.",
    "Bei Inv.-Nr. {NR} fehlt die CD.",
    "Mit Hörbuch und Arbeitsheft, bitte vollständig zurückgeben.",
    "Von Kollegen empfohlen, für die Oberstufe angeschafft.",
    "Bei Schülern der Unterstufe sehr beliebt.",
    "Mit Abstand das beliebteste Buch der Klasse {CLASS}.",
    "Für Lehrkräfte zur Unterrichtsvorbereitung reserviert.",
    "Mit Wasserflecken zurückgegeben, Schaden vermerkt.",
    "Von Amts wegen ausgesondert.",
    # frames filled with one of many nouns, so that no single word decides the measure
    "Seiten mit {NOUN} verklebt, bitte vorsichtig öffnen.",
    "Umschlag mit {NOUN} verschmiert zurückgegeben.",
    "Fleck von {NOUN} auf Seite {NR}.",
    "Für {PEOPLE} ab 10 Jahren geeignet.",
    "Bei {NOUN} auf dem Einband bitte Rücksprache halten.",
    "Von {PEOPLE} oft ausgeliehen, zweites Exemplar bestellt.",
    "Mit {NOUN} und {NOUN} gefüllte Tasche im Regal gefunden.",
]
CUE_NOUNS_EN = [
    "Logged in with {BROWSER} on {OS}.",
    "From {WEEKDAY} to {WEEKDAY} the desk is open until four.",
    "Sent from my {DEVICE}.",
    "With Love from the reading club.",
    "By {WEEKDAY}, please.",
    "Teacher Day on {DATE}: library closed.",
    "From {MONTH} on, cards need a photo.",
    "Interlibrary loan from {CITY} City Library, due {DATE}.",
    "Opened with {BROWSER}, the search page is blank.",
]

#: words the frames above are filled with: ordinary nouns, never anybody's name
NOUNS = """Kaffee Tee Saft Kakao Schokolade Marmelade Honig Ketchup Senf Wasser Kleber Tinte Farbe Kreide Sand
Staub Erde Filzstift Textmarker Kugelschreiber Wachsmalstift Wasserfarbe Klebestift Radiergummi Tipp-Ex Kaugummi
Zuckerguss Butter Olivenöl Limonade Nagellack Glitzer Lehm Knete Kerzenwachs Ruß Asche Tomatensoße Joghurt Apfelmus
Hustensaft Sonnencreme Rotwein Cola Pudding""".split()
PEOPLE = """Kinder Jugendliche Erwachsene Anfänger Fans Leseratten Fortgeschrittene Neugierige Familien Eltern
Großeltern Schulklassen Lesemuffel Abenteurer Tierfreunde Sportfans Krimifans Bastler Forscher""".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November December".split()
BROWSERS = "Chrome Firefox Safari Edge Opera Brave Vivaldi".split()
SYSTEMS = "Windows Linux Android iOS macOS ChromeOS".split()
DEVICES = "iPhone iPad Android Samsung Galaxy Pixel".split()
CITIES = "Munich Hamburg Cologne Leipzig Dresden Bremen Hanover Nuremberg Augsburg Regensburg Vienna Zurich".split()

PRONOUNS_DE = [
    "Sie können das Buch ab Montag abholen.",
    "Ihr Kind hat noch zwei Bücher ausgeliehen.",
    "Ihre Vormerkung liegt an der Theke bereit.",
    "Wir melden uns bei Ihnen, sobald das Buch da ist.",
    "Vielen Dank für Ihre Geduld.",
    "Wir haben mit Ihrer Tochter gesprochen.",
    "Die Gebühr wird von Ihrem Konto abgebucht.",
    "Bitte wenden Sie sich mit Ihren Fragen an das Sekretariat.",
    "Sie erreichen uns montags bis freitags.",
    "Ihr Bibliotheksteam",
    "Wir freuen uns auf Ihren Besuch.",
]

#: every sentence list by language, with its share of the ordinary sentences of a text
NOISE = {
    "de": [(NEUTRAL_DE, 55), (NOUN_WORDS_DE, 15), (CUE_NOUNS_DE, 18), (PRONOUNS_DE, 12)],
    "en": [(NEUTRAL_EN, 60), (NOUN_WORDS_EN, 20), (CUE_NOUNS_EN, 20)],
}
