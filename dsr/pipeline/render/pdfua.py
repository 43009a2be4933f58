"""PDF/UA-1 (ISO 14289-1) on top of WeasyPrint's tagged PDF/A-3a.

WeasyPrint tags the letter (``pdf_tags``: headings, paragraphs, lists, tables with their header
cells) and sets ``/MarkInfo``, ``/Lang``, ``/DisplayDocTitle`` and the title. Two things are
left to do here:

- the content of margin boxes (the footer and the page numbers of a letter rendered whole, the
  "Entwurf" above every further page of a draft) is marked with MCIDs whose structure elements
  WeasyPrint leaves out of the tree; it is page furniture, so it becomes ``/Artifact``;
- the XMP metadata says ``pdfuaid:part 1``, with the PDF/A extension schema that declares the
  property (PDF/A allows only declared properties besides the XMP standard ones).
"""

from __future__ import annotations

import pikepdf

#: the PDF/UA identification and its PDF/A extension schema (ISO 19005-3, 6.6.2.3)
_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 to which the file conforms</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""

_ARTIFACT = pikepdf.Name("/Artifact")


def conform(doc: pikepdf.Pdf) -> None:
    """Make WeasyPrint's tagged PDF/A of a letter PDF/UA-1 (see the module's description)."""
    _identify(doc)
    _margin_boxes_as_artifacts(doc)


def _identify(doc: pikepdf.Pdf) -> None:
    metadata = doc.Root.Metadata
    xmp = metadata.read_bytes()
    if b"pdfuaid:part" not in xmp:
        metadata.write(xmp.replace(b"</rdf:RDF>", _XMP + b"</rdf:RDF>", 1))


def _reachable(root: pikepdf.Object) -> set[tuple[int, int]]:
    seen: set[tuple[int, int]] = set()
    stack = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element or element.objgen in seen:
            continue  # (an MCID, a marked-content or object reference)
        seen.add(element.objgen)
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
    return seen


def _margin_boxes_as_artifacts(doc: pikepdf.Pdf) -> None:
    root = doc.Root.get("/StructTreeRoot")
    if root is None:
        return
    reachable = _reachable(root)
    tree = pikepdf.NumberTree(root.ParentTree)
    for page in doc.pages:
        key = page.obj.get("/StructParents")
        if key is None or int(key) not in tree:
            continue
        parents = tree[int(key)]
        orphans = {
            mcid
            for mcid, element in enumerate(parents)
            if isinstance(element, pikepdf.Dictionary) and element.objgen not in reachable
        }
        if not orphans:
            continue
        # no structure element for these MCIDs any more (trailing ones leave the array)
        while len(parents) and len(parents) - 1 in orphans:
            del parents[len(parents) - 1]
        for mcid in orphans:
            if mcid < len(parents):
                parents[mcid] = pikepdf.Null()
        content: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
        for instruction in pikepdf.parse_content_stream(page):
            operands = instruction.operands
            if (
                str(instruction.operator) == "BDC"
                and isinstance(operands[1], pikepdf.Dictionary)
                and int(operands[1].get("/MCID", -1)) in orphans
            ):
                content.append(pikepdf.ContentStreamInstruction([_ARTIFACT], pikepdf.Operator("BMC")))
            else:
                content.append(instruction)
        page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(content))
