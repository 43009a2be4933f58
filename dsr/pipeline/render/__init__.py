"""Rendering: a composed letter → PDF, DOCX, JSON, CSV.

render.pdf(letter) -> bytes          PDF/A-3u; an access answer carries disclosure.json + CSVs
render.docx(letter) -> bytes         the same letter as an editable Word document
render.export_json(letter) -> bytes  all records grouped by store and collection
render.export_csv(section) -> bytes  one collection
"""

from dsr.pipeline.render.docx import docx_bytes as docx
from dsr.pipeline.render.export import export_csv, export_json
from dsr.pipeline.render.logs import guard_render_logs
from dsr.pipeline.render.pdf import pdf
from dsr.pipeline.render.quiet import quiet_dependencies

quiet_dependencies()  # WeasyPrint's and fontTools' INFO chatter stays out of the host's log
guard_render_logs()  # their records never quote the letter (a name, a control character)

__all__ = ["docx", "export_csv", "export_json", "pdf"]
