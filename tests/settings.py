"""A controller's settings as a test writes them into a dsr.toml: complete, with one SQL store."""

from __future__ import annotations

TEMPLATE = """
[controllers.gym]
name = "Gymnasium Musterstadt"
kind = "school"
land = "BY"
public = true
street = "Schulstraße 1"
postal_code = "90402"
city = "Nürnberg"
email = "datenschutz@gym.example"
dpo = { name = "Dr. D. Schutz", email = "dsb@gym.example" }
signatory = { name = "E. Leitung", role = "Schulleiterin" }
[controllers.gym.stores.school]
connector = "sql"
url = "{url}"
mapping = "james-school"
"""


def controller_toml(url: str = "sqlite:///school.db") -> str:
    """The ``[controllers.gym]`` table of a school with the store ``school`` at ``url``."""
    return TEMPLATE.replace("{url}", url)
