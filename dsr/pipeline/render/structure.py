"""The structure tree of the typeset appendix (PDF/UA: tagged content, ISO 32000-1 §14.7).

The typesetter (:mod:`dsr.pipeline.render.appendix`) opens and closes structure elements as it
sets headings, tables and notes, and wraps every text run it writes in marked content
(``/TD <</MCID 7>> BDC … EMC``) that belongs to one element; rules, the draft mark and what
pagination repeats (a table's labels, "– Fortsetzung ab Eintrag 41") are ``/Artifact``. The
tree is a ``Sect`` element after WeasyPrint's elements of the letter, under its ``Document``.

A long appendix has a structure element per table cell: 20 000 loans make some 150 000. As
pikepdf (qpdf) objects they would cost about a kilobyte and ten microseconds each, so the tree
is written as text, after pikepdf has saved the letter, as an incremental update (object
streams and a cross-reference stream, ISO 32000-1 §7.5.6–7.5.8): :meth:`Structure.reserve`
prepares the letter before saving (the pages' ``/StructParents``, an empty ``Sect`` and an
empty parent-tree array per page, all indirect), :meth:`Structure.append` then writes the
elements and replaces the reserved objects. Same tree, same bytes.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field

import pikepdf

#: objects per object stream of the update (as qpdf writes them)
_PER_STREAM = 100


@dataclass(slots=True, eq=False)
class Element:
    """A structure element: its type (``H2``, ``TD`` …), the ``/A`` attribute dictionary as
    PDF text (``<</O/Table/Scope/Column>>``) and its content in reading order: elements and
    marked-content sequences as (page index in the appendix, MCID)."""

    role: str
    attributes: str = ""
    kids: list[Element | tuple[int, int]] = field(default_factory=list)


#: ``element`` argument of :meth:`Structure.mark` for page furniture
ARTIFACT = None


@dataclass(frozen=True)
class Reserved:
    """Where :meth:`Structure.reserve` put the appendix into the letter."""

    first: int  #: index of the appendix's first page in the document
    key: int  #: parent-tree key of the first appendix page (the following pages count on)


class Structure:
    """Builds the tree while typesetting: elements nest as they are opened."""

    def __init__(self) -> None:
        self.root = Element("Sect")
        self._open: list[Element] = [self.root]
        self._mcids: list[int] = []  # per page: the next MCID

    @property
    def current(self) -> Element:
        return self._open[-1]

    def add(self, role: str, attributes: str = "", parent: Element | None = None) -> Element:
        """A new element at the end of ``parent`` (default: the open one), not opened."""
        element = Element(role, attributes)
        (parent or self._open[-1]).kids.append(element)
        return element

    def begin(self, role: str, attributes: str = "") -> Element:
        element = self.add(role, attributes)
        self._open.append(element)
        return element

    def end(self) -> None:
        self._open.pop()

    def mark(self, element: Element | None, page: int, ops: str) -> str:
        """``ops`` (drawing on appendix page ``page``) as content of ``element``, or as an
        artifact when ``element`` is :data:`ARTIFACT`."""
        if element is None:
            return f"/Artifact BMC {ops} EMC"
        while len(self._mcids) <= page:
            self._mcids.append(0)
        mcid = self._mcids[page]
        self._mcids[page] = mcid + 1
        element.kids.append((page, mcid))
        return f"/{element.role} <</MCID {mcid}>> BDC {ops} EMC"

    # ------------------------------------------------------------ into the PDF
    def reserve(self, doc: pikepdf.Pdf, first: int) -> Reserved | None:
        """Prepare ``doc`` (the letter with the appendix pages from index ``first``) for
        :meth:`append`; None when the letter is not tagged."""
        root = doc.Root.get("/StructTreeRoot")
        if root is None:
            return None
        document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        tree = pikepdf.NumberTree(root.ParentTree)
        key = max((int(k) for k, _ in tree.items()), default=-1) + 1
        key = max(key, int(root.get("/ParentTreeNextKey", 0)))
        section = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.Sect, P=document, K=pikepdf.Array()))
        document.K.append(section)
        for offset, page in enumerate(doc.pages[first:]):
            page.obj.StructParents = key + offset
            page.obj.Tabs = pikepdf.Name.S
            tree[key + offset] = doc.make_indirect(pikepdf.Array())
        root.ParentTreeNextKey = key + len(doc.pages) - first
        return Reserved(first, key)

    def append(self, saved: bytes, reserved: Reserved) -> bytes:
        """``saved`` (written from the document :meth:`reserve` prepared) with the tree."""
        with pikepdf.open(io.BytesIO(saved)) as doc:
            trailer = doc.trailer
            size = int(trailer.Size)
            root = doc.Root.StructTreeRoot
            document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
            section = document.K[len(document.K) - 1].objgen[0]
            pages = [int(doc.pages[k].objgen[0]) for k in range(reserved.first, len(doc.pages))]
            tree = pikepdf.NumberTree(root.ParentTree)
            arrays = [tree[reserved.key + k].objgen[0] for k in range(len(pages))]
            head = f"/Root {doc.Root.objgen[0]} 0 R"
            if "/Info" in trailer:
                head += f"/Info {trailer.Info.objgen[0]} 0 R"
            ids = "".join(f"<{bytes(value).hex()}>" for value in trailer.ID)
            head += f"/ID[{ids}]"
            document_number = document.objgen[0]
        objects, parents, following = self._objects(section, document_number, size, pages)
        for page, number in enumerate(arrays):
            refs = parents[page] if page < len(parents) else []
            objects[number] = "[" + " ".join(f"{n} 0 R" for n in refs) + "]"
        return _update(saved, objects, following, head)

    def _objects(
        self, section: int, document: int, size: int, pages: list[int]
    ) -> tuple[dict[int, str], list[list[int]], int]:
        """Each element as PDF text (the root as the reserved ``section``, the others numbered
        from ``size`` on), each page's parent-tree array, and the next free object number."""
        numbers: dict[int, int] = {id(self.root): section}
        objects: dict[int, str] = {}
        parents: list[list[int]] = [[0] * n for n in self._mcids]
        following = size
        # depth first, parents before children: every element's number is known to its kids
        stack: list[tuple[Element, int]] = [(self.root, document)]
        while stack:
            element, parent = stack.pop()
            number = numbers[id(element)]
            kids: list[str] = []
            page = -1  # /Pg: the page of the element's first marked content
            for kid in element.kids:
                if isinstance(kid, Element):
                    numbers[id(kid)] = following
                    kids.append(f"{following} 0 R")
                    following += 1
                else:
                    on, mcid = kid
                    parents[on][mcid] = number
                    if page < 0:
                        page = on
                    kids.append(str(mcid) if on == page else f"<</Type/MCR/Pg {pages[on]} 0 R/MCID {mcid}>>")
            text = f"<</S/{element.role}/P {parent} 0 R"
            if page >= 0:
                text += f"/Pg {pages[page]} 0 R"
            if element.attributes:
                text += f"/A{element.attributes}"
            objects[number] = text + f"/K[{' '.join(kids)}]>>"
            stack.extend((kid, number) for kid in reversed(element.kids) if isinstance(kid, Element))
        return objects, parents, following


def _update(saved: bytes, objects: dict[int, str], size: int, head: str) -> bytes:
    """``saved`` and an update section with ``objects`` (number → PDF text) in object streams;
    ``size`` is one past the greatest object number."""
    out = io.BytesIO()
    out.write(saved)
    if not saved.endswith(b"\n"):
        out.write(b"\n")
    prev = saved.rindex(b"startxref")
    prev_offset = int(saved[prev + 9 :].split()[0])
    entries: dict[int, tuple[int, int, int]] = {}  # number → (type, field 2, field 3)
    numbers = sorted(objects)
    following = size
    for start in range(0, len(numbers), _PER_STREAM):
        chunk = numbers[start : start + _PER_STREAM]
        bodies = [objects[n].encode("latin-1") for n in chunk]
        offsets, position = [], 0
        for body in bodies:
            offsets.append(position)
            position += len(body) + 1
        index = " ".join(f"{n} {o}" for n, o in zip(chunk, offsets, strict=True)).encode() + b"\n"
        data = zlib.compress(index + b"\n".join(bodies) + b"\n", 6)
        stream = following
        following += 1
        entries[stream] = (1, out.tell(), 0)
        out.write(
            f"{stream} 0 obj\n<</Type/ObjStm/N {len(chunk)}/First {len(index)}/Filter/FlateDecode/Length {len(data)}>>\n"
            "stream\n".encode()
        )
        out.write(data + b"\nendstream\nendobj\n")
        for k, n in enumerate(chunk):
            entries[n] = (2, stream, k)
    xref = following
    entries[xref] = (1, out.tell(), 0)
    rows, ranges = bytearray(), list[list[int]]()
    for n in sorted(entries):
        kind, two, three = entries[n]
        rows += kind.to_bytes(1, "big") + two.to_bytes(4, "big") + three.to_bytes(2, "big")
        if ranges and ranges[-1][0] + ranges[-1][1] == n:
            ranges[-1][1] += 1
        else:
            ranges.append([n, 1])
    data = zlib.compress(bytes(rows), 6)
    spans = " ".join(f"{a} {b}" for a, b in ranges)
    position = out.tell()
    out.write(
        f"{xref} 0 obj\n<</Type/XRef/Size {xref + 1}/W[1 4 2]/Index[{spans}]/Prev {prev_offset}{head}"
        f"/Filter/FlateDecode/Length {len(data)}>>\nstream\n".encode()
    )
    out.write(data + f"\nendstream\nendobj\nstartxref\n{position}\n%%EOF\n".encode())
    return out.getvalue()
