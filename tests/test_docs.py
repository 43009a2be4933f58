"""The README documents every configuration key and every connector (fails when one is added silently)."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import msgspec
import pytest

from dsr import config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "struct",
    [
        config.GeneralSettings,
        config.ControllerSettings,
        config.Contact,
        config.PortalSettings,
        config.MailSettings,
        config.RateLimits,
    ],
)
def test_every_setting_is_in_the_configuration_reference(struct: type[msgspec.Struct]) -> None:
    reference = README.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    # a key counts as documented where it is set in the example or named in the table
    missing = [
        f
        for f in struct.__struct_fields__
        if f != "key" and not re.search(rf"(^|[\s.`\[]){f}( =|`|\.|\])", reference, re.M)
    ]
    assert not missing, f"{struct.__name__}: undocumented keys {missing}"


def test_every_connector_is_documented() -> None:
    names = {ep.name for ep in entry_points(group="dsr.connectors")}
    assert {"sql", "weblog"} <= names
    for name in names:
        assert f'connector = "{name}"' in README, name
