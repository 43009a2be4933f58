"""A checker of the machine-checkable part of PDF/UA-1 (ISO 14289-1, the Matterhorn Protocol's
automatic checkpoints), for the tests: veraPDF is not installable here (no Debian package, no
PyPI package). Written from the standards, not from the renderer: it reads any PDF.

:func:`check` returns findings (empty: passes). :func:`read_tree` gives the structure tree with
each element's text (decoded from the marked content it owns, through the fonts' ToUnicode maps)
for tests that compare the tree with the letter.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

#: standard structure types of ISO 32000-1 §14.8.4
STANDARD = set(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 "
    "L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot "
    "Ruby RB RT RP Warichu WT WP Figure Formula Form".split()
)
_PAINT = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "BI"}
_TEXT = {"Tj", "TJ", "'", '"'}


@dataclass(eq=False)
class Node:
    """A structure element as read back: type, attributes, kids, and its own text in order."""

    role: str
    parent: Node | None
    scope: str = ""  #: a header cell's /Scope (/Column, /Row, /Both)
    id: bytes | None = None  #: /ID, named by other cells' /Headers
    headers: list[bytes] | None = None  #: a cell's /Headers
    alt: str = ""  #: /Alt or /ActualText
    kids: list[Node] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)
    own: list[str] = field(default_factory=list)  # text of the marks, in order

    def text(self) -> str:
        """All text of the element and its descendants, in reading order."""
        parts = list(self.own)
        for kid in self.kids:
            parts.append(kid.text())
        return " ".join(p for p in parts if p)

    def walk(self) -> Iterator[Node]:
        yield self
        for kid in self.kids:
            yield from kid.walk()


@dataclass
class Tree:
    root: Node
    page_text: dict[tuple[int, int], str]  # (page, MCID) → text
    unmarked: list[tuple[int, str]]  # (page, operator) painted outside marked content
    artifact_text: list[str]  # text drawn as artifacts, per page joined

    def headings(self) -> list[tuple[str, str]]:
        return [(n.role, n.text()) for n in self.root.walk() if re.fullmatch(r"H[1-6]", n.role)]


# ------------------------------------------------------------------ reading


def _unicode_map(font: pikepdf.Dictionary) -> tuple[dict[int, str], int]:
    """Code → text, and the code length in bytes."""
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping, width
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, rest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]*>)", block):
            if rest.startswith("["):
                for k, text in enumerate(re.findall(r"<([0-9a-fA-F]*)>", rest)):
                    mapping[int(lo, 16) + k] = bytes.fromhex(text).decode("utf-16-be")
            else:
                start = bytes.fromhex(rest[1:-1]).decode("utf-16-be")
                for k in range(int(hi, 16) - int(lo, 16) + 1):
                    mapping[int(lo, 16) + k] = start[:-1] + chr(ord(start[-1]) + k)
    return mapping, width


def _decode(data: bytes, font: tuple[dict[int, str], int]) -> str:
    mapping, width = font
    codes = (int.from_bytes(data[i : i + width], "big") for i in range(0, len(data) - width + 1, width))
    return "".join(mapping.get(code, "\ufffd") for code in codes)


def _page_content(
    page: pikepdf.Page, number: int
) -> tuple[dict[tuple[int, int], str], list[tuple[int, str]], list[str]]:
    fonts: dict[str, tuple[dict[int, str], int]] = {}
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    for name, font in resources.get("/Font", pikepdf.Dictionary()).items():
        fonts[name] = _unicode_map(font)
    texts: dict[tuple[int, int], list[str]] = {}
    unmarked: list[tuple[int, str]] = []
    artifacts: list[str] = []
    stack: list[int | str | None] = []  # per open marked content: MCID, "artifact" or None (neither)
    font: tuple[dict[int, str], int] = ({}, 1)
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if op == "BDC" else None
            if tag == "/Artifact":
                stack.append("artifact")
            elif isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                stack.append(int(props.MCID))
            else:
                stack.append(None)
        elif op == "EMC":
            stack.pop()
        elif op == "Tf":
            font = fonts.get(str(operands[0]), ({}, 1))
        if op in _PAINT:
            owner = next((m for m in reversed(stack) if m is not None), None)
            if owner is None:
                unmarked.append((number, op))
            elif op in _TEXT:
                pieces = operands[0] if op == "TJ" else [operands[-1]]
                text = "".join(_decode(bytes(p), font) for p in pieces if isinstance(p, pikepdf.String))
                if owner == "artifact":
                    artifacts.append(text)
                else:
                    texts.setdefault((number, int(owner)), []).append(text)
    return {key: "".join(parts) for key, parts in texts.items()}, unmarked, artifacts


def read_tree(pdf: bytes) -> Tree:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.objgen: k for k, page in enumerate(doc.pages)}
        page_text: dict[tuple[int, int], str] = {}
        unmarked: list[tuple[int, str]] = []
        artifacts: list[str] = []
        for k, page in enumerate(doc.pages):
            texts, loose, art = _page_content(page, k)
            page_text.update(texts)
            unmarked += loose
            artifacts.append("".join(art))
        root = Node("StructTreeRoot", None)
        _read_kids(root, doc.Root.StructTreeRoot, pages, None, set())
        for node in root.walk():
            node.own = [page_text.get(mark, "") for mark in node.marks]
        return Tree(root, page_text, unmarked, artifacts)


def _read_kids(
    node: Node, obj: pikepdf.Dictionary, pages: dict[tuple[int, int], int], page: int | None, seen: set
) -> None:
    if "/Pg" in obj:
        page = pages.get(obj.Pg.objgen)
    kids = obj.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
    for kid in items:
        if isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer):
            node.marks.append((page if page is not None else -1, int(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            on = pages.get(kid.Pg.objgen) if "/Pg" in kid else page
            node.marks.append((on if on is not None else -1, int(kid.MCID)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            continue
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            if kid.objgen in seen:
                raise ValueError("structure element twice in the tree")
            seen.add(kid.objgen)
            child = Node(str(kid.S)[1:], node)
            scope, headers = _attribute(kid, "/Scope"), _attribute(kid, "/Headers")
            child.scope = str(scope) if scope is not None else ""
            child.headers = [bytes(h) for h in headers] if isinstance(headers, pikepdf.Array) else None
            child.id = bytes(kid.ID) if "/ID" in kid else None
            child.alt = str(kid.get("/Alt") or kid.get("/ActualText") or "")
            node.kids.append(child)
            _read_kids(child, kid, pages, page, seen)


def _attribute(element: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    attributes = element.get("/A")
    items = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    for item in items:
        if isinstance(item, pikepdf.Dictionary) and key in item:
            return item[key]
    return None


# ------------------------------------------------------------------ checking


def check(pdf: bytes) -> list[str]:
    """Findings against the machine-checkable PDF/UA-1 rules; empty when none."""
    findings: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        findings += _catalog(doc)
        if "/StructTreeRoot" not in doc.Root:
            return [*findings, "no structure tree (7.1)"]
        findings += _parent_tree(doc)
        findings += _fonts(doc)
        findings += _annotations(doc)
    tree = read_tree(pdf)
    findings += [f"page {p + 1}: {op} outside marked content and not an artifact (7.1)" for p, op in tree.unmarked]
    nodes = list(tree.root.walk())[1:]
    role_map = {}
    findings += _roles(nodes, role_map)
    findings += _headings(tree)
    findings += _tables(nodes)
    findings += _lists(nodes)
    for node in nodes:
        if node.role == "Figure" and not node.alt.strip():
            findings.append("Figure without /Alt (7.3)")
    marked = {mark for node in nodes for mark in node.marks}
    for key in tree.page_text:
        if key not in marked:
            findings.append(f"page {key[0] + 1}: MCID {key[1]} not referenced from the structure tree (7.1)")
    return findings


def _catalog(doc: pikepdf.Pdf) -> list[str]:
    findings = []
    root = doc.Root
    mark_info = root.get("/MarkInfo")
    if mark_info is None or not bool(mark_info.get("/Marked", False)):
        findings.append("/MarkInfo /Marked is not true (7.1)")
    lang = root.get("/Lang")
    if lang is None or not str(lang).strip():
        findings.append("no /Lang in the catalog (7.2)")
    preferences = root.get("/ViewerPreferences")
    if preferences is None or not bool(preferences.get("/DisplayDocTitle", False)):
        findings.append("/ViewerPreferences /DisplayDocTitle is not true (7.1)")
    xmp = root.Metadata.read_bytes().decode("utf-8") if "/Metadata" in root else ""
    part = re.search(r"pdfuaid:part(?:=\"|>)\s*(\d+)", xmp)
    if part is None or part.group(1) != "1":
        findings.append("XMP metadata without pdfuaid:part 1 (5)")
    title = re.search(r"<dc:title>.*?<rdf:li[^>]*>([^<]+)</rdf:li>", xmp, re.S)
    if title is None or not title.group(1).strip():
        findings.append("no dc:title in the XMP metadata (7.1)")
    if "pdfaid:part" in xmp and "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" not in xmp:
        findings.append("PDF/A file uses pdfuaid without its extension schema (ISO 19005-3 6.6.2.3)")
    return findings


def _parent_tree(doc: pikepdf.Pdf) -> list[str]:
    findings = []
    root = doc.Root.StructTreeRoot
    if "/ParentTree" not in root:
        return ["no /ParentTree"]
    tree = pikepdf.NumberTree(root.ParentTree)
    for k, page in enumerate(doc.pages):
        key = page.obj.get("/StructParents")
        content = [op for _, op in pikepdf.parse_content_stream(page) if str(op) == "BDC"]
        if key is None:
            if content:
                findings.append(f"page {k + 1}: marked content but no /StructParents")
            continue
        if int(key) not in tree:
            findings.append(f"page {k + 1}: /StructParents {int(key)} not in the parent tree")
            continue
        parents = tree[int(key)]
        for mcid, element in enumerate(parents):
            if not isinstance(element, pikepdf.Dictionary):
                continue
            if not element.is_indirect:
                findings.append(f"page {k + 1}: parent tree entry {mcid} is not an indirect reference")
                continue
            if not _owns(element, page, mcid):
                findings.append(f"page {k + 1}: parent tree says MCID {mcid} belongs to an element that lacks it")
    next_key = root.get("/ParentTreeNextKey")
    keys = [int(key) for key, _ in tree.items()]
    if next_key is not None and keys and int(next_key) <= max(keys):
        findings.append("/ParentTreeNextKey not above every key of the parent tree")
    return findings


def _owns(element: pikepdf.Dictionary, page: pikepdf.Page, mcid: int) -> bool:
    kids = element.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    own_page = element.get("/Pg")
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            on = kid.get("/Pg", own_page)
            if int(kid.MCID) == mcid and on is not None and on.objgen == page.objgen:
                return True
        elif isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer):
            if int(kid) == mcid and own_page is not None and own_page.objgen == page.objgen:
                return True
    return False


def _fonts(doc: pikepdf.Pdf) -> list[str]:
    findings = []
    for k, page in enumerate(doc.pages):
        for name, font in page.obj.get("/Resources", {}).get("/Font", {}).items():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is None or not any(f in descriptor for f in ("/FontFile", "/FontFile2", "/FontFile3")):
                findings.append(f"page {k + 1}: font {name} not embedded (7.21.4.1)")
            if "/ToUnicode" not in font:
                findings.append(f"page {k + 1}: font {name} without ToUnicode (7.21.7)")
    return findings


def _annotations(doc: pikepdf.Pdf) -> list[str]:
    findings = []
    for k, page in enumerate(doc.pages):
        annotations = page.obj.get("/Annots") or []
        if annotations and page.obj.get("/Tabs") != "/S":
            findings.append(f"page {k + 1}: annotations but /Tabs is not /S (7.18.3)")
        for annotation in annotations:
            subtype = annotation.get("/Subtype")
            if subtype in ("/Popup", "/PrinterMark"):
                continue
            if "/StructParent" not in annotation:
                findings.append(f"page {k + 1}: {subtype} annotation not in the structure tree (7.18.1)")
            if subtype not in ("/Link", "/Widget") and not annotation.get("/Contents"):
                findings.append(f"page {k + 1}: {subtype} annotation without /Contents (7.18.1)")
    return findings


def _roles(nodes: list[Node], role_map: dict) -> list[str]:
    return [f"non-standard structure type {n.role} without a role map (7.1)" for n in nodes if n.role not in STANDARD]


def _headings(tree: Tree) -> list[str]:
    findings = []
    levels = [int(role[1]) for role, _ in tree.headings()]
    if levels and levels[0] != 1:
        findings.append(f"the first heading is H{levels[0]}, not H1 (7.4.2)")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            findings.append(f"heading level skipped: H{before} → H{after} (7.4.2)")
    return findings


def _rows(table: Node) -> list[Node]:
    rows = []
    for kid in table.kids:
        if kid.role == "TR":
            rows.append(kid)
        elif kid.role in ("THead", "TBody", "TFoot"):
            rows += [r for r in kid.kids if r.role == "TR"]
    return rows


def _tables(nodes: list[Node]) -> list[str]:
    findings = []
    for node in nodes:
        if node.role in ("TH", "TD") and (node.parent is None or node.parent.role != "TR"):
            findings.append(f"{node.role} outside a TR")
        if node.role == "TR" and (node.parent is None or node.parent.role not in ("Table", "THead", "TBody", "TFoot")):
            findings.append("TR outside a Table")
        if node.role != "Table":
            continue
        rows = _rows(node)
        ids = {c.id for r in rows for c in r.kids if c.role == "TH" and c.id is not None}
        column_headers: set[int] = set()
        row_headers: set[int] = set()
        for i, row in enumerate(rows):
            for j, cell in enumerate(c for c in row.kids if c.role in ("TH", "TD")):
                if cell.role != "TH":
                    continue
                scope = cell.scope
                if scope in ("/Column", "/Both"):
                    column_headers.add(j)
                if scope in ("/Row", "/Both"):
                    row_headers.add(i)
                if not scope and cell.id is None:
                    findings.append("TH without /Scope and without /ID for /Headers (7.5)")
        for i, row in enumerate(rows):
            for j, cell in enumerate(c for c in row.kids if c.role in ("TH", "TD")):
                if cell.role != "TD":
                    continue
                headers = cell.headers or []
                by_id = len(headers) > 0
                if by_id and not all(h in ids for h in headers):
                    findings.append("TD /Headers names a header cell that does not exist (7.5)")
                if not (by_id or j in column_headers or i in row_headers):
                    findings.append(f"TD in row {i + 1}, column {j + 1} has no header cell (7.5)")
    return findings


def _lists(nodes: list[Node]) -> list[str]:
    findings = []
    for node in nodes:
        if node.role == "LI" and (node.parent is None or node.parent.role != "L"):
            findings.append("LI outside an L (7.6)")
        if node.role in ("Lbl", "LBody") and (node.parent is None or node.parent.role != "LI"):
            findings.append(f"{node.role} outside an LI (7.6)")
    return findings
