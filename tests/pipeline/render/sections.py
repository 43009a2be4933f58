"""Sections typeset straight into a PDF (no WeasyPrint letter: fast), for the appendix tests and the
subprocess that checks the bytes do not change from one process to the next."""

from __future__ import annotations

import io

import msgspec
import pikepdf

from dsr.pipeline import compose
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.letter import Column, Row, Section
from dsr.pipeline.render import appendix

LETTER = compose.disclosure(specimen.SCHOOL, specimen.gathering(1), specimen.request("de"))


def section(labels, rows, title="Ausleihen", description="", store="school") -> Section:
    return Section(
        store=store,
        store_title="Gymnasium Musterstadt",
        collection=title.lower(),
        title=title,
        description=description,
        columns=tuple(Column(name=f"c{i}", label=label) for i, label in enumerate(labels)),
        rows=tuple(Row(values=tuple(values)) for values in rows),
    )


def typeset(*sections: Section, draft: bool = False) -> bytes:
    letter = msgspec.structs.replace(LETTER, sections=sections, draft=draft)
    pdf = pikepdf.new()
    appendix.typeset(letter).write(pdf)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
