"""Which data-protection and school law a controller's letters cite (``dsr/data/land_law.toml``).

A public school is a public body of its Land: the Land's data-protection act governs it, not the
BDSG (§ 1 Abs. 1 Satz 1 Nr. 2 BDSG), and the Land's school law is the legal basis for pupil data.
A private controller cites the BDSG. The file records the source and the day each entry was
checked, and how sure it is (``confidence``); a provision nobody checked is left empty and the
letters then name the act without a section rather than a guessed one. An entry marked
``confidence = "review"`` (taken from a secondary list or memory) is not stated as fact either:
its provisions are not cited, only the acts' names (:func:`citations`), and ``dsr check`` warns
about it (:func:`unchecked`) until someone reads the source and marks it ``checked``.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

from dsr.config import convert
from dsr.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "land_law.toml"


class LandLaw(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    land: str
    dsg: str  #: the Land's data-protection act, full name
    dsg_abbr: str
    #: the Land provision restricting the right of access (counterpart of § 34 BDSG); "" = not recorded
    access: str = ""
    #: the school-law provision that is the legal basis for pupil data; "" = not recorded
    school_law: str = ""
    school_law_name: str
    #: the Land provision for data kept instead of erased (counterpart of § 35 Abs. 3 BDSG); "" = none recorded
    erasure: str = ""
    source: str
    verified: dt.date
    confidence: Literal["checked", "review"]
    note: str = ""

    @property
    def checked(self) -> bool:
        """Whether the provisions were read in the source: only then does a letter cite them."""
        return self.confidence == "checked"


class _File(msgspec.Struct, forbid_unknown_fields=True):
    land: list[LandLaw]


class Citations(msgspec.Struct, frozen=True, kw_only=True):
    """The texts register placeholders stand for: ``{land_law}``, ``{land_law_access}``,
    ``{land_school_law}`` (legal citations are the same in every language)."""

    land_law: str  #: "BayDSG" for a Bavarian public body; "BDSG" for a private controller
    land_law_access: str  #: "Art. 10 BayDSG"; "§ 34 BDSG"; the act's abbreviation where no provision is recorded
    land_school_law: str  #: "Art. 85 BayEUG"; the act's name where no provision is recorded
    public: bool

    def placeholders(self) -> dict[str, str]:
        return {
            "land_law": self.land_law,
            "land_law_access": self.land_law_access,
            "land_school_law": self.land_school_law,
        }


@functools.cache
def load(path: Path = DATA) -> tuple[LandLaw, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    return tuple(convert(raw, _File, path, "").land)


def of_land(land: str, path: Path = DATA) -> LandLaw:
    for entry in load(path):
        if entry.land == land:
            return entry
    raise ConfigError(path, "land", f"no entry for Land {land!r}")


def citations(land: str, public: bool, path: Path = DATA) -> Citations:
    """What a controller seated in ``land`` cites."""
    entry = of_land(land, path)
    # an unchecked provision is never stated as fact: the act's name, which is certain, instead
    school = (entry.checked and entry.school_law) or entry.school_law_name
    if not public:
        return Citations(land_law="BDSG", land_law_access="§ 34 BDSG", land_school_law=school, public=False)
    access = (entry.checked and entry.access) or entry.dsg_abbr
    return Citations(land_law=entry.dsg_abbr, land_law_access=access, land_school_law=school, public=True)


def unchecked(lands: Iterable[str], path: Path = DATA) -> list[ConfigError]:
    """A warning per Land of ``lands`` (a public controller's seat) whose entry awaits review:
    its letters cite the acts by name only, until the provisions are checked in the source."""
    found = []
    for land in dict.fromkeys(lands):
        try:
            entry = of_land(land, path)
        except ConfigError as exc:
            found.append(exc)
            continue
        if not entry.checked:
            found.append(
                ConfigError(
                    path,
                    f"land.{land}",
                    f'confidence = "review": the provisions ({entry.school_law or "no school-law provision"}'
                    f"{', ' + entry.access if entry.access else ''}) are unchecked, so letters name only the acts "
                    f"({entry.dsg_abbr}, {entry.school_law_name}); read them in the source ({entry.source}) "
                    'and set confidence = "checked"',
                )
            )
    return found
