"""axe-core in real Chromium: the WCAG 2.0/2.1 A and AA check of the pages a test visits, at a
phone's and a desktop's width, with a screenshot of each step (shared by the accessibility and
journey tests).

axe-core comes from npm (`scripts/install` puts it under `.cache/npm`). The portal's CSP forbids
inline and foreign scripts, so axe is evaluated through the DevTools protocol (`page.evaluate`),
which the page's CSP does not govern — the pages are checked exactly as served. axe does not test
reflow (WCAG 1.4.10, AA since 2.1), so at the phone's width the page must not scroll sideways
either (tables may scroll in their own box).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: a phone's and a desktop's width (CSS pixels)
WIDTHS = (375, 1280)
#: screenshots of each step (git-ignored)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""

#: the outermost elements that stick out to the right of the viewport (what makes a page scroll sideways)
WIDEST = """(width) => {
  const out = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > width + 1);
  const outer = out.filter(e => !out.includes(e.parentElement));
  return outer.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "")
    + " (" + Math.round(e.getBoundingClientRect().right) + " px)");
}"""


def axe_script() -> str:
    """axe-core's script; skips the test when it is not installed."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE} missing): run scripts/install (needs npm)")
    return AXE.read_text(encoding="utf-8")


class Audit:
    """Collects the WCAG violations of each page visited, to report them all at once.

    ``widths``: check each page at every one of these widths (the viewport is put back after),
    and at the narrowest also that it does not scroll sideways; empty: as the page is.
    ``shots``: save a screenshot of each check under :data:`ARTIFACTS` as ``<shots>-<name>-<width>.png``.
    """

    def __init__(self, page: Any, source: str, *, widths: tuple[int, ...] = (), shots: str = "") -> None:
        self.page, self.source, self.widths, self.shots = page, source, widths, shots
        self.found: dict[str, list[str]] = {}

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        if self.page.evaluate("typeof axe") == "undefined":  # each navigation starts a fresh window
            self.page.evaluate(self.source + "\n;undefined")
        if not self.widths:
            self._run(name)
            return
        before = self.page.viewport_size
        for width in self.widths:
            self.page.set_viewport_size({"width": width, "height": before["height"] if before else 900})
            self._run(name, width)
            scroll = self.page.evaluate("document.documentElement.scrollWidth")
            if width == min(self.widths) and scroll > width:
                self.found.setdefault(f"{name} ({width} px)", []).append(
                    f"reflow (WCAG 1.4.10): the page scrolls sideways ({scroll} px wide): "
                    + ", ".join(self.page.evaluate(WIDEST, width))
                )
        if before:
            self.page.set_viewport_size(before)

    def _run(self, name: str, width: int | None = None) -> None:
        for v in self.page.evaluate(RUN_AXE, TAGS):
            self.found.setdefault(f"{name} ({width} px)" if width else name, []).append(
                f"{v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"])
            )
        if self.shots:
            ARTIFACTS.mkdir(exist_ok=True)
            slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
            self.page.screenshot(path=str(ARTIFACTS / f"{self.shots}-{slug}-{width or 'as-is'}.png"), full_page=True)

    def assert_clean(self) -> None:
        report = "\n".join(f"{page}:\n    " + "\n    ".join(items) for page, items in self.found.items())
        assert not self.found, "WCAG violations:\n" + report
