#!/usr/bin/env python3
"""Hand-made PDFs for the checker's self-test (tests/e2e/pdfua-checker.sh).

    python3 tests/pdfua/make_cases.py OUTDIR

writes OUTDIR/good.pdf, a small tagged PDF that meets every condition
check.py checks, and one PDF per case in CASES, each the good one with one
thing broken, and OUTDIR/expected.txt: one line per PDF, its name and the
Matterhorn checkpoints check.py must report (nothing else), "-" for none.

The good file also carries what trips naive parsers: a string holding "EMC"
and parentheses, a hex string, an inline image whose bytes hold "EMC" and
"(", a marked-content sequence opened in one content stream and closed in
the next, a ParentTree with /Kids, and /K entries as lone references.
"""

import os
import sys
import zlib

FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]


def font_program():
    for p in FONT_PATHS:
        if os.path.exists(p):
            with open(p, "rb") as f:
                return f.read()
    # The checker never reads the font program, only that one is embedded.
    return b"\0\1\0\0 a stand-in font program"


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"{part}>
   {title}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

TITLE = '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Checker sample</rdf:li></rdf:Alt></dc:title>'

TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
1 beginbfrange
<20> <7E> <0020>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


class Writer:
    """Objects by number, each written as `N 0 obj ... endobj`, and an xref."""

    def __init__(self):
        self.objs = {}

    def add(self, num, body):
        self.objs[num] = body if isinstance(body, bytes) else body.encode("latin-1")

    def stream(self, num, dict_text, data, compress=True):
        if compress:
            data = zlib.compress(data)
            dict_text += " /Filter /FlateDecode"
        self.add(num, b"<< " + dict_text.encode("latin-1") + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")

    def bytes(self, root=1, info=None):
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        size = max(self.objs) + 1
        offsets = {}
        for num in sorted(self.objs):
            offsets[num] = len(out)
            out += b"%d 0 obj\n" % num + self.objs[num] + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for n in range(1, size):
            out += (b"%010d 00000 n \n" % offsets[n]) if n in offsets else b"0000000000 65535 f \n"
        out += b"trailer\n<< /Size %d /Root %d 0 R" % (size, root)
        if info:
            out += b" /Info %d 0 R" % info
        out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


def build(**k):
    """The good PDF, with the breakages named in k."""
    w = Writer()
    # 1 catalog, 2 pages, 3 page, 4 content a, 5 content b, 6 font,
    # 7 descriptor, 8 font file, 9 ToUnicode, 10 image, 11 XMP, 12 info,
    # 13 link annotation, 14 form XObject, 20.. structure.
    lang = "" if k.get("no_lang") else " /Lang (en-US)"
    dtitle = "false" if k.get("doc_title_false") else "true"
    marked = "false" if k.get("not_marked") else "true"
    meta = "" if k.get("no_xmp") else " /Metadata 11 0 R"
    w.add(
        1,
        "<< /Type /Catalog /Pages 2 0 R /MarkInfo << /Marked %s >> /StructTreeRoot 20 0 R%s"
        " /ViewerPreferences << /DisplayDocTitle %s >>%s >>" % (marked, lang, dtitle, meta),
    )
    w.add(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    tabs = "" if k.get("no_tabs") else " /Tabs /S"
    w.add(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R]"
        " /Resources << /Font << /F1 6 0 R >> /XObject << /Im1 10 0 R /Fm1 14 0 R >> >>"
        " /StructParents 0 /Annots [13 0 R]%s >>" % tabs,
    )
    h2 = "H3" if k.get("skip_heading") else "H2"
    loose = b"BT /F1 11 Tf 72 480 Td (loose text) Tj ET\n" if k.get("unmarked_text") else b""
    art_in_tag = b"/Artifact BMC 0 0 1 1 re f EMC\n" if k.get("artifact_in_tagged") else b""
    stray_mcid = b"/P <</MCID 10>> BDC BT /F1 11 Tf 72 460 Td (stray) Tj ET EMC\n" if k.get("stray_mcid") else b""
    # The first stream opens the table cell's sequence (MCID 6) and the
    # second closes it: a page's streams are one stream (ISO 32000-1 7.8.2).
    content_a = (
        b"/Artifact BMC 0 0 0 rg 0 770 612 2 re f EMC\n"
        b"q 1 0 0 1 500 760 cm /Fm1 Do Q\n"
        b"/H1 <</MCID 0>> BDC BT /F1 18 Tf 72 720 Td (A title \\(with EMC in it\\) ) Tj ET EMC\n"
        b"/P <</MCID 1>> BDC " + art_in_tag + b"BT /F1 11 Tf 72 700 Td [(See the ) -20 <636C696E6963>] TJ ET EMC\n"
        b"/" + h2.encode() + b" <</MCID 2>> BDC BT /F1 14 Tf 72 680 Td (Steps) Tj ET EMC\n"
        b"/Figure <</MCID 3>> BDC q 40 0 0 40 72 620 cm /Im1 Do Q EMC\n"
        b"/Figure <</MCID 4>> BDC q 40 0 0 10 130 620 cm\n"
        b"BI /W 4 /H 1 /BPC 8 /CS /G ID EMC( EI\nQ EMC\n"
        b"/TH <</MCID 5>> BDC BT /F1 11 Tf 72 580 Td (Drug) Tj ET EMC\n"
        b"/TD <</MCID 6>> BDC BT /F1 11 Tf 172 580 Td (Dose)"
    )
    content_b = (
        b" Tj ET\nEMC\n"
        b"/Lbl <</MCID 7>> BDC 72 552 4 4 re f EMC\n"
        b"/LBody <</MCID 8>> BDC BT /F1 11 Tf 84 550 Td (First step) ' ET EMC\n"
        b"% a comment with BDC and ( in it\n" + loose + stray_mcid
    )
    w.stream(4, "", content_a)
    w.stream(5, "", content_b, compress=False)
    enc = "" if k.get("no_tounicode") else " /Encoding /WinAnsiEncoding"
    tu = "" if k.get("no_tounicode") else " /ToUnicode 9 0 R"
    widths = " ".join(["600"] * 95)
    w.add(
        6,
        "<< /Type /Font /Subtype /TrueType /BaseFont /DejaVuSans /FirstChar 32 /LastChar 126"
        " /Widths [%s] /FontDescriptor 7 0 R%s%s >>" % (widths, enc, tu),
    )
    ff = "" if k.get("not_embedded") else " /FontFile2 8 0 R"
    w.add(
        7,
        "<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [-1021 -463 1793 1232]"
        " /ItalicAngle 0 /Ascent 928 /Descent -236 /CapHeight 729 /StemV 80%s >>" % ff,
    )
    prog = font_program()
    w.stream(8, "/Length1 %d" % len(prog), prog)
    w.stream(9, "", TO_UNICODE)
    w.stream(10, "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", b"\x80")
    part = "" if k.get("no_pdfuaid") else ' pdfuaid:part="1"'
    title = "" if k.get("no_dc_title") else TITLE
    w.stream(11, "/Type /Metadata /Subtype /XML", XMP.format(part=part, title=title).encode("utf-8"), compress=False)
    w.add(12, "<< /Title (Checker sample) /Producer (make_cases.py) >>")
    contents = "" if k.get("link_no_contents") else " /Contents (Link to the clinic)"
    w.add(
        13,
        "<< /Type /Annot /Subtype /Link /Rect [110 695 160 712] /Border [0 0 0]"
        " /A << /S /URI /URI (https://example.org/) >> /StructParent 1%s >>" % contents,
    )
    # A form XObject drawn outside marked content: its own content must be
    # marked, here a running footer artifact (or, broken, loose text).
    form = b"BT /F1 8 Tf 0 0 Td (page 1) Tj ET\n"
    if not k.get("form_unmarked"):
        form = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n" + form + b"EMC\n"
    w.stream(14, "/Type /XObject /Subtype /Form /BBox [0 0 100 20] /Resources << /Font << /F1 6 0 R >> >>", form)
    # The structure tree.
    rolemap = " /RoleMap << /Box /Panel /Panel /Box >>" if k.get("circular_rolemap") else ""
    w.add(20, "<< /Type /StructTreeRoot /K 21 0 R /ParentTree 40 0 R /ParentTreeNextKey 2%s >>" % rolemap)
    doc_type = "/Box" if k.get("circular_rolemap") else "/Document"
    w.add(21, "<< /Type /StructElem /S %s /P 20 0 R /K [22 0 R 23 0 R 25 0 R 26 0 R 27 0 R 28 0 R 33 0 R] >>" % doc_type)
    w.add(22, "<< /Type /StructElem /S /H1 /P 21 0 R /Pg 3 0 R /K 0 >>")
    w.add(23, "<< /Type /StructElem /S /P /P 21 0 R /Pg 3 0 R /K [1 24 0 R] >>")
    link_k = "<< /Type /MCR /Pg 3 0 R /MCID 99 >>" if k.get("link_no_objr") else "<< /Type /OBJR /Obj 13 0 R /Pg 3 0 R >>"
    w.add(24, "<< /Type /StructElem /S /Link /P 23 0 R /K %s >>" % link_k)
    w.add(25, "<< /Type /StructElem /S /%s /P 21 0 R /Pg 3 0 R /K 2 >>" % h2)
    alt = "" if k.get("figure_no_alt") else " /Alt (A grey square)"
    w.add(26, "<< /Type /StructElem /S /Figure /P 21 0 R /Pg 3 0 R /K 3%s >>" % alt)
    w.add(27, "<< /Type /StructElem /S /Figure /P 21 0 R /Pg 3 0 R /K << /Type /MCR /MCID 4 >> /ActualText (----) >>")
    if k.get("td_in_table"):
        w.add(28, "<< /Type /StructElem /S /Table /P 21 0 R /K [29 0 R 31 0 R] >>")
    else:
        w.add(28, "<< /Type /StructElem /S /Table /P 21 0 R /K 29 0 R >>")
    row = "30 0 R" if k.get("td_in_table") else "30 0 R 31 0 R"
    w.add(29, "<< /Type /StructElem /S /TR /P 28 0 R /K [%s] >>" % row)
    scope = "" if k.get("th_no_scope") else " /A << /O /Table /Scope /Column >>"
    w.add(30, "<< /Type /StructElem /S /TH /P 29 0 R /Pg 3 0 R /K 5%s >>" % scope)
    td_parent = "28" if k.get("td_in_table") else "29"
    w.add(31, "<< /Type /StructElem /S /TD /P %s 0 R /Pg 3 0 R /K 6 >>" % td_parent)
    w.add(32, "<< /Type /StructElem /S /Lbl /P 34 0 R /Pg 3 0 R /K 7 >>")
    w.add(33, "<< /Type /StructElem /S /L /P 21 0 R /K [34 0 R] >>")
    body = "/P" if k.get("li_with_p") else "/LBody"
    w.add(34, "<< /Type /StructElem /S /LI /P 33 0 R /K [32 0 R 35 0 R] >>")
    w.add(35, "<< /Type /StructElem /S %s /P 34 0 R /Pg 3 0 R /K 8 >>" % body)
    # The ParentTree: a root with /Kids, one leaf.
    w.add(40, "<< /Kids [41 0 R] >>")
    w.add(41, "<< /Limits [0 1] /Nums [0 42 0 R 1 24 0 R] >>")
    w.add(42, "[22 0 R 23 0 R 25 0 R 26 0 R 27 0 R 30 0 R 31 0 R 32 0 R 35 0 R]")
    return w.bytes(root=1, info=12)


# name: (breakage, the checkpoints check.py must report)
CASES = {
    "unmarked-text": ({"unmarked_text": True}, "01-005"),
    "figure-no-alt": ({"figure_no_alt": True}, "13-004"),
    "skipped-heading": ({"skip_heading": True}, "14-003"),
    "no-lang": ({"no_lang": True}, "11-001"),
    "mcid-not-in-parenttree": ({"stray_mcid": True}, "01-005"),
    "font-no-tounicode": ({"no_tounicode": True}, "31-027"),
    "font-not-embedded": ({"not_embedded": True}, "31-009"),
    "not-marked": ({"not_marked": True}, "01-005"),
    "artifact-in-tagged": ({"artifact_in_tagged": True}, "01-003"),
    "no-xmp": ({"no_xmp": True}, "06-001"),
    "no-pdfuaid": ({"no_pdfuaid": True}, "06-002"),
    "no-dc-title": ({"no_dc_title": True}, "06-003"),
    "display-doc-title-false": ({"doc_title_false": True}, "07-002"),
    "link-no-contents": ({"link_no_contents": True}, "28-012"),
    "no-tabs": ({"no_tabs": True}, "28-008"),
    "link-not-in-tree": ({"link_no_objr": True}, "28-011"),
    "td-in-table": ({"td_in_table": True}, "09-004"),
    "li-with-p": ({"li_with_p": True}, "09-005"),
    "circular-rolemap": ({"circular_rolemap": True}, "02-003"),
    "th-no-scope": ({"th_no_scope": True}, "-"),
    "form-unmarked": ({"form_unmarked": True}, "01-005"),
}


def main(argv):
    if len(argv) != 2:
        print("usage: make_cases.py OUTDIR", file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    expected = ["good -"]
    with open(os.path.join(out, "good.pdf"), "wb") as f:
        f.write(build())
    for name, (breakage, ids) in CASES.items():
        with open(os.path.join(out, name + ".pdf"), "wb") as f:
            f.write(build(**breakage))
        expected.append("%s %s" % (name, ids))
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
