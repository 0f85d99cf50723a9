#!/usr/bin/env python3
"""The machine-checkable PDF/UA-1 failure conditions of the Matterhorn Protocol.

    python3 tests/pdfua/check.py FILE.pdf [--json]

prints one line per failed condition, `FILE: <checkpoint>: <what>, <where>`,
and exits 1 when any fails, 0 when none does, 2 when the file cannot be read.
Warnings (conditions the protocol leaves to judgement but that usually mean a
mistake) go to standard error and do not change the exit code. With --json it
prints one JSON document with every finding instead.

It reads the PDF only through `qpdf --json` (JSON v2, qpdf 11), never through
medpacket's own data, so that it checks what a reader would see. Which
conditions it checks, and which it cannot, is in docs/accessibility.md; each
check below names its Matterhorn 1.1 failure condition ("01-005" ...).
"""

import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# --- reading qpdf's JSON ------------------------------------------------------
#
# qpdf JSON v2 writes every PDF object as JSON: names as "/Name" (or "n:/..."
# when the name is not valid UTF-8), strings as "u:text" or "b:hexbytes",
# references as "N G R", streams as {"stream": {"dict": ..., "data": base64}}.
# So a bare JSON string is never a PDF string, and the three never collide.

REF = re.compile(r"^(\d+) (\d+) R$")


class Ref:
    """An indirect reference, kept apart from names and strings."""

    __slots__ = ("num", "gen")

    def __init__(self, num, gen):
        self.num, self.gen = num, gen

    def __eq__(self, other):
        return isinstance(other, Ref) and (self.num, self.gen) == (other.num, other.gen)

    def __hash__(self):
        return hash((self.num, self.gen))

    def __repr__(self):
        return "%d %d R" % (self.num, self.gen)


class Name(str):
    """A PDF name, without its slash."""


class PdfString(bytes):
    """A PDF string's bytes (text decoded by text())."""


class Stream:
    __slots__ = ("dict", "data", "decoded")

    def __init__(self, d, data, decoded):
        self.dict, self.data, self.decoded = d, data, decoded


def convert(v):
    """qpdf JSON value -> Python value with Ref, Name and PdfString."""
    if isinstance(v, str):
        m = REF.match(v)
        if m:
            return Ref(int(m.group(1)), int(m.group(2)))
        if v.startswith("/"):
            return Name(v[1:])
        if v.startswith("n:/"):
            return Name(v[3:])
        if v.startswith("u:"):
            return PdfString(v[2:].encode("utf-8"))
        if v.startswith("b:"):
            try:
                return PdfString(bytes.fromhex(v[2:]))
            except ValueError:
                return PdfString(b"")
        return PdfString(v.encode("utf-8"))
    if isinstance(v, list):
        return [convert(x) for x in v]
    if isinstance(v, dict):
        # Dictionary keys are names ("/Key").
        return {k[1:] if k.startswith("/") else k: convert(x) for k, x in v.items()}
    return v


def text(s):
    """A PDF text string as str: UTF-16BE with a BOM, UTF-8 (qpdf's "u:"), or bytes."""
    if not isinstance(s, (bytes, PdfString)):
        return None
    b = bytes(s)
    if b.startswith(b"\xfe\xff"):
        return b[2:].decode("utf-16-be", "replace")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


class Doc:
    def __init__(self, raw):
        self.raw = raw
        objs = raw["qpdf"][1]
        self.objs = {}
        self.trailer = {}
        for key, val in objs.items():
            if key == "trailer":
                self.trailer = convert(val.get("value", {}))
                continue
            m = re.match(r"^obj:(\d+) (\d+) R$", key)
            if not m:
                continue
            ref = Ref(int(m.group(1)), int(m.group(2)))
            if "stream" in val:
                st = val["stream"]
                d = convert(st.get("dict", {}))
                data = base64.b64decode(st["data"]) if "data" in st else b""
                # qpdf drops /Filter from the dictionary of a stream it
                # decoded; one it could not decode keeps it.
                self.objs[ref] = Stream(d, data, "Filter" not in d)
            else:
                self.objs[ref] = convert(val.get("value"))
        self.page_refs = [convert(p["object"]) for p in raw.get("pages", [])]

    def get(self, v):
        """Resolve a reference (and chains of them); other values pass through."""
        seen = 0
        while isinstance(v, Ref) and seen < 32:
            v = self.objs.get(v)
            seen += 1
        return v

    def items(self, v):
        """An array entry as a list whose items keep their references: a
        reference is resolved only when it leads to an array (/Contents or
        /K may be a lone reference to a stream or a kid, whose object number
        is what names it)."""
        if isinstance(v, Ref) and isinstance(self.get(v), list):
            v = self.get(v)
        return as_list(v)

    def dict_of(self, v):
        v = self.get(v)
        if isinstance(v, Stream):
            return v.dict
        return v if isinstance(v, dict) else {}


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


# --- findings -----------------------------------------------------------------


class Report:
    def __init__(self, path):
        self.path = path
        self.items = []

    def fail(self, cid, what, page=None, obj=None):
        self.items.append(("fail", cid, what, page, obj))

    def warn(self, cid, what, page=None, obj=None):
        self.items.append(("warning", cid, what, page, obj))

    @staticmethod
    def where(page, obj):
        parts = []
        if page is not None:
            parts.append("page %d" % page)
        if obj is not None:
            parts.append("object %d" % (obj.num if isinstance(obj, Ref) else obj))
        return (", " + ", ".join(parts)) if parts else ""


# --- a PDF content-stream tokenizer ---------------------------------------------

WS = b" \t\n\r\f\0"
# Compiled once: the lexer runs them on every token.
WS_RE = re.compile(rb"(?:[ \t\n\r\f\0]+|%[^\r\n]*)*")
REGULAR_RE = re.compile(rb"[^ \t\n\r\f\0()<>\[\]{}/%]*")
NUMBER_RE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
HEX_ESC_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
EI_RE = re.compile(rb"[\0\t\n\f\r ]EI(?=[\0\t\n\f\r ]|$)")


class Op:
    __slots__ = ("op", "args", "pos")

    def __init__(self, op, args, pos):
        self.op, self.args, self.pos = op, args, pos


class Lexer:
    """Tokens of a content stream: operands as Python values, operators as Op."""

    def __init__(self, data):
        self.d = data
        self.i = 0
        self.n = len(data)

    def skip_ws(self):
        # White space and % comments, which run to the end of the line.
        self.i = WS_RE.match(self.d, self.i).end()

    def literal_string(self):
        d, n = self.d, self.n
        self.i += 1  # (
        depth, out = 1, bytearray()
        while self.i < n:
            c = d[self.i]
            self.i += 1
            if c == 0x5C:  # backslash
                if self.i >= n:
                    break
                e = d[self.i]
                self.i += 1
                if e in b"nrtbf":
                    out += {110: b"\n", 114: b"\r", 116: b"\t", 98: b"\b", 102: b"\f"}[e]
                elif e in b"()\\":
                    out.append(e)
                elif 0x30 <= e <= 0x37:
                    v, k = e - 0x30, 1
                    while k < 3 and self.i < n and 0x30 <= d[self.i] <= 0x37:
                        v = v * 8 + d[self.i] - 0x30
                        self.i += 1
                        k += 1
                    out.append(v & 0xFF)
                elif e == 0x0D:  # line continuation, \r or \r\n
                    if self.i < n and d[self.i] == 0x0A:
                        self.i += 1
                elif e == 0x0A:
                    pass
                else:
                    out.append(e)  # an unknown escape: the backslash is ignored
            elif c == 0x28:
                depth += 1
                out.append(c)
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    return PdfString(bytes(out))
                out.append(c)
            else:
                out.append(c)
        raise ValueError("unterminated string")

    def hex_string(self):
        end = self.d.find(b">", self.i)
        if end < 0:
            raise ValueError("unterminated hex string")
        hexd = bytes(c for c in self.d[self.i + 1 : end] if c not in WS)
        self.i = end + 1
        if len(hexd) % 2:
            hexd += b"0"
        try:
            return PdfString(bytes.fromhex(hexd.decode("ascii")))
        except ValueError:
            raise ValueError("bad hex string")

    def name(self):
        start = self.i + 1
        self.i = REGULAR_RE.match(self.d, start).end()
        raw = self.d[start : self.i]
        if b"#" in raw:
            raw = HEX_ESC_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        return Name(raw.decode("latin-1"))

    def regular(self):
        start = self.i
        self.i = REGULAR_RE.match(self.d, start).end()
        return self.d[start : self.i]

    def value(self):
        """The next token: a value, or ("op", bytes, pos), or a closing mark."""
        self.skip_ws()
        if self.i >= self.n:
            return None
        d, c, pos = self.d, self.d[self.i], self.i
        if c == 0x28:
            return self.literal_string()
        if c == 0x3C:
            if self.i + 1 < self.n and d[self.i + 1] == 0x3C:
                self.i += 2
                return self.dictionary()
            return self.hex_string()
        if c == 0x3E:
            if self.i + 1 < self.n and d[self.i + 1] == 0x3E:
                self.i += 2
                return (">>", None, pos)
            raise ValueError("stray '>' at byte %d" % pos)
        if c == 0x5B:
            self.i += 1
            return self.array()
        if c == 0x5D:
            self.i += 1
            return ("]", None, pos)
        if c == 0x2F:
            return self.name()
        if c in b"{}":
            self.i += 1  # PostScript calculator braces: not in content streams
            return ("op", bytes([c]), pos)
        tok = self.regular()
        if not tok:
            raise ValueError("unexpected byte %r at %d" % (bytes([c]), pos))
        if NUMBER_RE.fullmatch(tok):
            return float(tok) if b"." in tok else int(tok)
        if tok == b"true":
            return True
        if tok == b"false":
            return False
        if tok == b"null":
            return None
        return ("op", tok, pos)

    def array(self):
        out = []
        while True:
            v = self.value()
            if v is None and self.i >= self.n:
                raise ValueError("unterminated array")
            if isinstance(v, tuple):
                if v[0] == "]":
                    return out
                if v[0] == "op" and v[1] in (b"R",):
                    continue
                raise ValueError("operator %r inside an array" % v[1])
            out.append(v)

    def dictionary(self):
        out = {}
        while True:
            k = self.value()
            if isinstance(k, tuple) and k[0] == ">>":
                return out
            if not isinstance(k, Name):
                raise ValueError("dictionary key is not a name")
            v = self.value()
            if isinstance(v, tuple):
                raise ValueError("dictionary value missing")
            out[str(k)] = v

    def inline_image(self, pos):
        """After BI: the image dictionary up to ID, then the data up to EI."""
        d = {}
        while True:
            k = self.value()
            if isinstance(k, tuple) and k[0] == "op" and k[1] == b"ID":
                break
            if not isinstance(k, Name):
                raise ValueError("inline image at byte %d: bad dictionary" % pos)
            d[str(k)] = self.value()
        self.i += 1  # the single white-space byte after ID
        length = d.get("L", d.get("Length"))
        if isinstance(length, int) and length >= 0 and not d.get("F", d.get("Filter")):
            self.i += length
        # EI is the first "EI" standing alone (white space before, white
        # space or the end after) from here: binary image data can hold
        # "EI" inside a longer run of bytes, rarely with spaces round it.
        m = EI_RE.search(self.d, self.i)
        if not m:
            raise ValueError("inline image at byte %d: no EI" % pos)
        self.i = m.end()
        return d

    def ops(self):
        """Yield each Op with its operands."""
        args = []
        while True:
            v = self.value()
            if v is None and self.i >= self.n:
                return
            if isinstance(v, tuple):
                kind, tok, pos = v
                if kind != "op":
                    raise ValueError("unexpected %r at byte %d" % (kind, pos))
                if tok == b"BI":
                    yield Op("BI", [self.inline_image(pos)], pos)
                else:
                    yield Op(tok.decode("latin-1"), args, pos)
                args = []
            else:
                args.append(v)


# --- the checks -----------------------------------------------------------------

# ISO 32000-1 14.8.4 standard structure types (the list Matterhorn 01-006
# names); H7 and up are not standard, and must be role mapped (02-001).
STANDARD_TYPES = set(
    """Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
    P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote
    Note Reference BibEntry Code Link Annot Ruby Warichu RB RT RP WT WP Figure Formula
    Form""".split()
)

TEXT_OPS = {"Tj", "TJ", "'", '"'}
PAINT_OPS = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh"}

# BCP 47 language tags (RFC 5646): a 2- or 3-letter language (the 4- to
# 8-letter ones are reserved, so "english" is refused), then script, region,
# variants, extensions, private use; not the grandfathered tags ("i-klingon").
BCP47 = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[Xx](?:-[A-Za-z0-9]{1,8})+)$"
)

XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


class Checker:
    def __init__(self, doc, report):
        self.doc = doc
        self.r = report
        self.cat = doc.dict_of(doc.trailer.get("Root"))
        self.page_no = {ref: i + 1 for i, ref in enumerate(doc.page_refs)}
        # (owner ref, mcid) -> where it was used, from the content streams
        self.used_mcids = {}
        # content-stream owners (pages, form XObjects) -> StructParents key
        self.owner_key = {}
        self.fonts_used = {}  # font ref or id -> (page, resource name)
        self.role_map = {}
        self.form_uses = {}  # form XObject ref -> times drawn (30-002)

    # -- catalog, metadata, viewer preferences

    def catalog(self):
        r, cat = self.r, self.cat
        mark = self.doc.dict_of(cat.get("MarkInfo"))
        if mark.get("Marked") is not True:
            # Matterhorn has no failure condition of its own for the Tagged
            # PDF declaration (ISO 32000-1 14.8.2.2, which PDF/UA-1 7.1
            # requires); without it no content counts as tagged: 01-005.
            r.fail("01-005", "catalog /MarkInfo /Marked is not true: the file does not declare itself tagged")
        if mark.get("Suspects") is True:
            r.fail("01-007", "catalog /MarkInfo /Suspects is true")
        if "StructTreeRoot" not in cat or not self.doc.dict_of(cat.get("StructTreeRoot")):
            r.fail("01-005", "catalog has no /StructTreeRoot: no content is tagged")
        lang = text(self.doc.get(cat.get("Lang")))
        if lang is None or lang == "":
            # Without a document language, text whose structure element has
            # no /Lang of its own has no determinable language (11-001);
            # struct_tree() reports that only here, once.
            self.catalog_lang = None
        elif not BCP47.match(lang):
            self.catalog_lang = None
            r.fail("11-001", "catalog /Lang %r is not a BCP 47 language tag" % lang)
        else:
            self.catalog_lang = lang
        vp = self.doc.dict_of(cat.get("ViewerPreferences"))
        if "DisplayDocTitle" not in vp:
            r.fail("07-001", "catalog /ViewerPreferences has no /DisplayDocTitle")
        elif vp.get("DisplayDocTitle") is not True:
            r.fail("07-002", "catalog /ViewerPreferences /DisplayDocTitle is not true")
        self.metadata()
        self.optional_content()
        self.encryption()
        self.attachments()

    def metadata(self):
        r = self.r
        ref = self.cat.get("Metadata")
        st = self.doc.get(ref)
        info = self.doc.dict_of(self.doc.trailer.get("Info"))
        info_title = (text(self.doc.get(info.get("Title"))) or "").strip()
        if not isinstance(st, Stream):
            r.fail(
                "06-001",
                "catalog has no /Metadata XMP stream (so no pdfuaid:part and no dc:title either%s)"
                % ("; /Info /Title is empty too" if not info_title else ""),
            )
            return
        obj = ref if isinstance(ref, Ref) else None
        if not st.decoded:
            r.fail("06-001", "the /Metadata stream could not be decoded", obj=obj)
            return
        data = st.data
        # The xpacket processing instructions around the XMP are XML too,
        # but a BOM or padding before them is not; parse from the first '<'.
        start = data.find(b"<")
        try:
            root = ET.fromstring(data[start:] if start >= 0 else data)
        except ET.ParseError as e:
            r.fail("06-001", "the /Metadata stream is not well-formed XML (%s)" % e, obj=obj)
            return
        part = None
        for desc in root.iter("{%s}Description" % XMP_NS["rdf"]):
            a = desc.get("{%s}part" % XMP_NS["pdfuaid"])
            if a is not None:
                part = a.strip()
            for el in desc.iter("{%s}part" % XMP_NS["pdfuaid"]):
                part = (el.text or "").strip()
        if part is None:
            r.fail("06-002", "XMP metadata has no pdfuaid:part (the PDF/UA identifier)", obj=obj)
        elif part != "1":
            r.fail("06-002", "XMP pdfuaid:part is %r, not 1" % part, obj=obj)
        titles = []
        for t in root.iter("{%s}title" % XMP_NS["dc"]):
            titles += ["".join(li.itertext()).strip() for li in t.iter("{%s}li" % XMP_NS["rdf"])]
            if not list(t.iter("{%s}li" % XMP_NS["rdf"])):
                titles.append("".join(t.itertext()).strip())
        if not any(titles):
            r.fail(
                "06-003",
                "XMP metadata has no non-empty dc:title%s"
                % ("" if info_title else " (and /Info /Title is empty too)"),
                obj=obj,
            )

    def optional_content(self):
        ocp = self.doc.dict_of(self.cat.get("OCProperties"))
        if not ocp:
            return
        d = self.doc.dict_of(ocp.get("D"))
        if not text(self.doc.get(d.get("Name"))):
            self.r.fail("20-002", "the default optional content configuration (/OCProperties /D) has no /Name")
        if "AS" in d:
            self.r.fail("20-003", "the default optional content configuration has an /AS entry")
        for c in as_list(self.doc.get(ocp.get("Configs"))):
            cd = self.doc.dict_of(c)
            obj = c if isinstance(c, Ref) else None
            if not text(self.doc.get(cd.get("Name"))):
                self.r.fail("20-001", "an optional content configuration in /Configs has no /Name", obj=obj)
            if "AS" in cd:
                self.r.fail("20-003", "an optional content configuration in /Configs has an /AS entry", obj=obj)

    def encryption(self):
        enc = self.doc.raw.get("encrypt") or {}
        if enc.get("encrypted") and not (enc.get("capabilities") or {}).get("accessibility", True):
            self.r.fail("26-002", "the file is encrypted and its /P denies extraction for accessibility (bit 10)")

    def attachments(self):
        for key, att in (self.doc.raw.get("attachments") or {}).items():
            spec = convert(att.get("filespec"))
            d = self.doc.dict_of(spec)
            if "F" not in d or "UF" not in d:
                self.r.fail(
                    "21-001",
                    "the file specification of embedded file %r lacks /F or /UF" % key,
                    obj=spec if isinstance(spec, Ref) else None,
                )

    # -- page content

    def pages(self):
        for ref in self.doc.page_refs:
            page = self.doc.dict_of(ref)
            n = self.page_no[ref]
            if "StructParents" in page:
                self.owner_key[ref] = page["StructParents"]
            streams = []
            for c in self.doc.items(page.get("Contents")):
                st = self.doc.get(c)
                if isinstance(st, Stream):
                    streams.append((c if isinstance(c, Ref) else None, st))
            self.content(streams, self.doc.dict_of(self.inherited(page, "Resources")), n, ref, [], set())
            self.annotations(ref, page, n)

    def inherited(self, page, key):
        seen = 0
        while page and seen < 64:
            if key in page:
                return page[key]
            page = self.doc.dict_of(page.get("Parent"))
            seen += 1
        return None

    def content(self, streams, resources, page_no, owner, stack, forms_seen):
        """Walk one content stream (the page's several, joined as one): the
        marked-content stack at each drawing operator, MCIDs, fonts."""
        r = self.r
        # A page's content may be an array of streams that together are one
        # stream (ISO 32000-1 7.8.2): a BDC in one may close in the next.
        data, bounds = b"", []
        for obj, st in streams:
            if not st.decoded:
                r.fail("01-005", "a content stream qpdf could not decode: its content is not checked", page_no, obj)
                continue
            bounds.append((len(data), obj))
            data += st.data + b"\n"

        def obj_at(pos):
            o = None
            for start, obj in bounds:
                if start <= pos:
                    o = obj
            return o

        stack = list(stack)  # entries: "artifact" | ("mcid", n) | "other"
        depth0 = len(stack)  # a form drawn inside marked content starts inside it
        unmarked = {}  # stream obj -> [count, first op, first pos]
        font = None
        props = self.doc.dict_of(resources.get("Properties"))
        xobjects = self.doc.dict_of(resources.get("XObject"))
        fonts = self.doc.dict_of(resources.get("Font"))
        try:
            for op in Lexer(data).ops():
                o = op.op
                if o in ("BMC", "BDC"):
                    tag = op.args[0] if op.args and isinstance(op.args[0], Name) else None
                    plist = op.args[1] if o == "BDC" and len(op.args) > 1 else None
                    if isinstance(plist, Name):
                        plist = self.doc.dict_of(props.get(str(plist)))
                    plist = plist if isinstance(plist, dict) else {}
                    in_artifact = "artifact" in stack
                    in_tagged = any(isinstance(e, tuple) for e in stack)
                    if tag == "Artifact":
                        if in_tagged:
                            r.fail(
                                "01-003",
                                "an /Artifact sequence inside tagged content (byte %d)" % (op.pos - self.start_of(bounds, op.pos)),
                                page_no,
                                obj_at(op.pos),
                            )
                        stack.append("artifact")
                    elif o == "BDC" and isinstance(plist.get("MCID"), int):
                        if in_artifact:
                            r.fail(
                                "01-004",
                                "tagged content (MCID %d) inside an /Artifact sequence" % plist["MCID"],
                                page_no,
                                obj_at(op.pos),
                            )
                        key = (owner, plist["MCID"])
                        if key in self.used_mcids:
                            r.fail("01-005", "MCID %d is used twice" % plist["MCID"], page_no, obj_at(op.pos))
                        self.used_mcids[key] = (page_no, obj_at(op.pos))
                        stack.append(("mcid", plist["MCID"]))
                    else:
                        stack.append("other")
                elif o == "EMC":
                    if len(stack) > depth0:
                        stack.pop()
                    else:
                        r.fail("01-005", "EMC without a BMC/BDC to close", page_no, obj_at(op.pos))
                elif o == "Tf":
                    if op.args and isinstance(op.args[0], Name):
                        font = str(op.args[0])
                        ref = fonts.get(font)
                        if ref is None:
                            r.fail("31-009", "font /%s is not in the page's resources" % font, page_no, obj_at(op.pos))
                        else:
                            self.fonts_used.setdefault(ref if isinstance(ref, Ref) else id(ref), (page_no, font, ref))
                elif o in TEXT_OPS or o in PAINT_OPS or o in ("Do", "BI"):
                    marked = any(e == "artifact" or isinstance(e, tuple) for e in stack)
                    if o == "Do" and op.args and isinstance(op.args[0], Name):
                        xref = xobjects.get(str(op.args[0]))
                        x = self.doc.get(xref)
                        xd = x.dict if isinstance(x, Stream) else {}
                        if "Ref" in xd:
                            r.fail("30-001", "reference XObject /%s is drawn" % op.args[0], page_no, xref)
                        if xd.get("Subtype") == "Form" and isinstance(x, Stream):
                            self.form_uses[xref] = self.form_uses.get(xref, 0) + 1
                            if xref in forms_seen:
                                continue  # a form drawing itself: drawn once is enough
                            # A form's content is the page's content where it
                            # is drawn: inside marked content it is covered,
                            # outside it must be marked within (its MCIDs
                            # then map through the form's /StructParents).
                            if "StructParents" in xd:
                                self.owner_key[xref] = xd["StructParents"]
                            fres = self.doc.dict_of(xd.get("Resources")) or resources
                            self.content(
                                [(xref if isinstance(xref, Ref) else None, x)],
                                fres,
                                page_no,
                                xref if "StructParents" in xd else owner,
                                stack,
                                forms_seen | {xref},
                            )
                            continue
                    if not marked:
                        u = unmarked.setdefault(obj_at(op.pos), [0, o, op.pos - self.start_of(bounds, op.pos)])
                        u[0] += 1
            if len(stack) > depth0:
                # Marked-content sequences must close in the stream (ISO
                # 32000-1 14.6): one left open leaves its tagging undefined.
                r.fail("01-005", "%d marked-content sequence(s) not closed by EMC" % (len(stack) - depth0), page_no, bounds[-1][1] if bounds else None)
        except ValueError as e:
            r.fail("01-005", "content stream cannot be parsed (%s): its content is not checked" % e, page_no, owner)
        for obj, (count, first, pos) in unmarked.items():
            r.fail(
                "01-005",
                "%d text/path/image operator%s neither in an /Artifact nor in a BDC with an /MCID (first: %s at byte %d)"
                % (count, "" if count == 1 else "s", first, pos),
                page_no,
                obj,
            )

    @staticmethod
    def start_of(bounds, pos):
        s = 0
        for start, _ in bounds:
            if start <= pos:
                s = start
        return s

    def annotations(self, ref, page, n):
        r = self.r
        annots = self.doc.items(page.get("Annots"))
        relevant = []
        for a in annots:
            ad = self.doc.dict_of(a)
            sub = ad.get("Subtype")
            flags = ad.get("F", 0) if isinstance(ad.get("F"), int) else 0
            if sub == "TrapNet":
                r.fail("28-007", "a TrapNet annotation", n, a)
            # Popups are shown through their parent; hidden annotations
            # (flag bit 2) are never presented; printer's marks are not
            # content (28-017): none belongs in the structure tree.
            if sub in ("Popup", "PrinterMark") or flags & 2:
                continue
            relevant.append((a, ad, sub))
        if not relevant:
            return
        tabs = page.get("Tabs")
        if tabs is None:
            r.fail("28-008", "a page with annotations has no /Tabs", n, ref)
        elif tabs != "S":
            r.fail("28-009", "a page with annotations has /Tabs /%s, not /S" % tabs, n, ref)
        for a, ad, sub in relevant:
            aref = a if isinstance(a, Ref) else None
            if sub == "Link":
                contents = text(self.doc.get(ad.get("Contents")))
                if not (contents or "").strip():
                    r.fail("28-012", "a Link annotation has no /Contents", n, aref)
            self.pending_annots.append((aref, ad, sub, n))

    # -- the structure tree

    def role(self, s):
        """The standard type a structure type maps to, or None (02-001, 02-003
        are reported in role_map_check)."""
        seen = set()
        while s not in STANDARD_TYPES:
            if s in seen or s not in self.role_map:
                return None
            seen.add(s)
            s = self.role_map[s]
        return s

    def role_map_check(self, root):
        rm = self.doc.dict_of(root.get("RoleMap"))
        self.role_map = {k: str(v) for k, v in rm.items() if isinstance(v, Name)}
        for k, v in self.role_map.items():
            if k in STANDARD_TYPES:
                self.r.fail("02-004", "standard type /%s is remapped to /%s" % (k, v))
                continue
            seen, s = [k], v
            while s not in STANDARD_TYPES and s in self.role_map and s not in seen:
                seen.append(s)
                s = self.role_map[s]
            if s in seen:
                self.r.fail("02-003", "circular role mapping: %s" % " -> ".join("/" + x for x in seen + [s]))
            elif s not in STANDARD_TYPES:
                self.r.fail("02-001", "role mapping of /%s ends at /%s, not a standard type" % (k, s))

    def attrs(self, el):
        """The attribute dictionaries of an element: /A (a dict, a stream, or an
        array of them with revision numbers), and those of its /C classes."""
        out = []
        for a in as_list(self.doc.get(el.get("A"))):
            a = self.doc.dict_of(a)
            if a:
                out.append(a)
        cmap = self.doc.dict_of(self.root.get("ClassMap"))
        for c in as_list(self.doc.get(el.get("C"))):
            if isinstance(c, Name):
                for a in as_list(self.doc.get(cmap.get(str(c)))):
                    a = self.doc.dict_of(a)
                    if a:
                        out.append(a)
        return out

    def struct_tree(self):
        r, doc = self.r, self.doc
        self.root = doc.dict_of(self.cat.get("StructTreeRoot"))
        if not self.root:
            return
        self.role_map_check(self.root)
        # Walk in document order (depth first, /K order), with the path.
        owned = {}  # (owner ref, mcid) -> element ref
        objr = {}  # annotation ref -> element ref
        elems = []  # (ref, dict, parent's standard type, standard type, type)
        headings = []
        seen = set()
        lang_missing = []
        todo = [(k, None, None, self.catalog_lang, None) for k in reversed(self.kids(self.root))]
        while todo:
            k, parent_ref, parent_type, lang, pg = todo.pop()
            if isinstance(k, Ref):
                if k in seen:
                    r.warn("01-005", "structure element reached twice (a cycle, or a kid of two parents)", obj=k)
                    continue
                seen.add(k)
            el = doc.get(k)
            if isinstance(el, int):  # a marked-content id on the parent's page
                if pg is None:
                    r.fail("01-005", "MCID %d in a structure element with no /Pg" % el, obj=parent_ref)
                else:
                    owned[(pg, el)] = parent_ref
                    if lang is None:
                        lang_missing.append(parent_ref)
                continue
            if not isinstance(el, dict):
                continue
            if "MCID" in el or el.get("Type") == "MCR":
                p = el.get("Pg", pg)
                owner = el.get("Stm") if "Stm" in el else p
                if owner is None:
                    r.fail("01-005", "marked-content reference without /Pg", obj=parent_ref)
                else:
                    owned[(owner, el.get("MCID"))] = parent_ref
                    if lang is None:
                        lang_missing.append(parent_ref)
                continue
            if "Obj" in el or el.get("Type") == "OBJR":
                objr[el.get("Obj")] = parent_ref
                continue
            if "S" not in el:
                continue
            ref = k if isinstance(k, Ref) else None
            s = str(el["S"])
            std = self.role(s)
            if std is None and s not in self.role_map:
                r.fail("02-001", "structure type /%s is not standard and not role mapped" % s, obj=ref)
            el_lang = text(doc.get(el.get("Lang")))
            if el_lang is not None:
                if el_lang and not BCP47.match(el_lang):
                    r.fail("11-001", "/Lang %r of a /%s element is not a BCP 47 language tag" % (el_lang, s), obj=ref)
                lang = el_lang or None
            elems.append((ref, el, parent_type, std, s))
            m = re.match(r"^H(\d+)$", s)  # PDF/UA-1 7.4.2: Hn by its name
            if m:
                headings.append((int(m.group(1)), s, ref))
            elif std and re.match(r"^H[1-6]$", std):
                headings.append((int(std[1]), s, ref))
            elif std == "H":
                headings.append((0, s, ref))
            kids = self.kids(el)
            h_kids = [x for x in kids if self.role(str(doc.dict_of(x).get("S", ""))) == "H"]
            if len(h_kids) > 1:
                r.fail("14-006", "a /%s element has %d /H children" % (s, len(h_kids)), obj=ref)
            for kid in reversed(kids):
                todo.append((kid, ref, std, lang, el.get("Pg", pg)))
        self.owned, self.objr, self.elems = owned, objr, elems
        if self.catalog_lang is None:
            if lang_missing or not self.elems:
                r.fail(
                    "11-001",
                    "catalog has no valid /Lang%s"
                    % (" and %d structure element(s) with content declare none" % len(set(lang_missing)) if lang_missing else ""),
                )
        self.headings(headings)
        for ref, el, parent, std, s in elems:
            self.element(ref, el, parent, std, s)

    def headings(self, hs):
        r = self.r
        numbered = [h for h in hs if h[0] > 0]
        if numbered and any(h[0] == 0 for h in hs):
            r.fail("14-007", "the document uses both /H and numbered headings")
        if not numbered:
            return
        if numbered[0][0] != 1:
            r.fail("14-002", "the first numbered heading is /%s, not /H1" % numbered[0][1], obj=numbered[0][2])
        prev = numbered[0][0]
        for level, s, ref in numbered[1:]:
            if level > prev + 1:
                r.fail("14-003", "heading /%s follows /H%d: level %d skipped" % (s, prev, prev + 1), obj=ref)
            prev = level

    def kids(self, el):
        return self.doc.items(el.get("K"))

    def element(self, ref, el, parent, std, s):
        r, doc = self.r, self.doc
        name = "/" + s if std == s or std is None else "/%s (/%s)" % (s, std)
        alt = (text(doc.get(el.get("Alt"))) or "").strip()
        actual = (text(doc.get(el.get("ActualText"))) or "").strip()
        if std == "Figure" and not (alt or actual):
            r.fail("13-004", "%s element has neither /Alt nor /ActualText" % name, obj=ref)
        if std == "Formula" and not (alt or actual):
            r.fail("17-002", "%s element has neither /Alt nor /ActualText" % name, obj=ref)
        if std == "Note" and not text(doc.get(el.get("ID"))):
            r.fail("19-003", "%s element has no /ID" % name, obj=ref)
        kids = [doc.dict_of(k) for k in self.kids(el)]
        kid_types = [self.role(str(k["S"])) or str(k["S"]) for k in kids if "S" in k]
        # 09-004: ISO 32000-1 Table 337 (tables).
        if std == "TR" and parent not in ("Table", "THead", "TBody", "TFoot"):
            r.fail("09-004", "%s element is a child of /%s, not of a table or table part" % (name, parent), obj=ref)
        if std in ("TH", "TD") and parent != "TR":
            r.fail("09-004", "%s element is a child of /%s, not of /TR" % (name, parent), obj=ref)
        if std in ("THead", "TBody", "TFoot") and parent != "Table":
            r.fail("09-004", "%s element is a child of /%s, not of /Table" % (name, parent), obj=ref)
        if std == "Table":
            bad = [t for t in kid_types if t not in ("TR", "THead", "TBody", "TFoot", "Caption")]
            if bad:
                r.fail("09-004", "%s element has a /%s child" % (name, bad[0]), obj=ref)
        if std == "TR":
            bad = [t for t in kid_types if t not in ("TH", "TD")]
            if bad:
                r.fail("09-004", "%s element has a /%s child" % (name, bad[0]), obj=ref)
        if std == "TH":
            scope = any("Scope" in a for a in self.attrs(el))
            if not scope:
                r.warn("15-003", "%s element has no /Scope attribute (fine only if its cells name it in /Headers)" % name, obj=ref)
        # 09-005: ISO 32000-1 Table 336 (lists).
        if std == "L":
            bad = [t for t in kid_types if t not in ("LI", "Caption")]
            if bad:
                r.fail("09-005", "%s element has a /%s child, not /LI or /Caption" % (name, bad[0]), obj=ref)
        if std == "LI":
            if parent != "L":
                r.fail("09-005", "%s element is a child of /%s, not of /L" % (name, parent), obj=ref)
            bad = [t for t in kid_types if t not in ("Lbl", "LBody")]
            if bad:
                r.fail("09-005", "%s element has a /%s child, not /Lbl or /LBody" % (name, bad[0]), obj=ref)
        if std in ("Lbl", "LBody") and parent != "LI":
            r.fail("09-005", "%s element is a child of /%s, not of /LI" % (name, parent), obj=ref)
        # 09-006: ISO 32000-1 Table 333 (TOC).
        if std == "TOCI" and parent != "TOC":
            r.fail("09-006", "%s element is a child of /%s, not of /TOC" % (name, parent), obj=ref)
        if std == "TOC":
            bad = [t for t in kid_types if t not in ("TOC", "TOCI", "Caption")]
            if bad:
                r.fail("09-006", "%s element has a /%s child" % (name, bad[0]), obj=ref)

    def note_ids(self):
        ids = {}
        for ref, el, parent, std, s in getattr(self, "elems", []):
            if std == "Note":
                i = text(self.doc.get(el.get("ID")))
                if i:
                    ids.setdefault(i, []).append(ref)
        for i, refs in ids.items():
            if len(refs) > 1:
                self.r.fail("19-004", "%d /Note elements share the /ID %r" % (len(refs), i), obj=refs[1])

    def parent_tree(self):
        """The number tree /ParentTree as {key: value}."""
        out = {}
        stack, seen = [self.root.get("ParentTree")], set()
        while stack:
            n = stack.pop()
            if isinstance(n, Ref):
                if n in seen:
                    continue
                seen.add(n)
            d = self.doc.dict_of(n)
            nums = as_list(self.doc.get(d.get("Nums")))
            for i in range(0, len(nums) - 1, 2):
                if isinstance(nums[i], int):
                    out[nums[i]] = nums[i + 1]
            stack += as_list(self.doc.get(d.get("Kids")))
        return out

    def mcids(self):
        """Each MCID drawn maps through /ParentTree to the element whose /K
        holds it (ISO 32000-1 14.7.4.4), and each element's MCID is drawn."""
        r, doc = self.r, self.doc
        if not self.root:
            return
        pt = self.parent_tree()
        for (owner, mcid), (page_no, obj) in sorted(self.used_mcids.items(), key=lambda x: (x[1][0], x[0][1])):
            key = self.owner_key.get(owner)
            what = "page" if owner in self.page_no else "form XObject"
            if key is None:
                r.fail("01-005", "MCID %d is used but its %s has no /StructParents" % (mcid, what), page_no, obj)
                continue
            arr = doc.get(pt.get(key))
            if not isinstance(arr, list):
                r.fail("01-005", "MCID %d: /ParentTree has no entry %d for its %s" % (mcid, key, what), page_no, obj)
                continue
            if mcid >= len(arr) or doc.get(arr[mcid]) is None:
                r.fail("01-005", "MCID %d is not in the /ParentTree (entry %d)" % (mcid, key), page_no, obj)
                continue
            el = arr[mcid]
            if self.owned.get((owner, mcid)) != el:
                r.fail(
                    "01-005",
                    "MCID %d: /ParentTree names structure element %s, whose /K does not hold it"
                    % (mcid, el if isinstance(el, Ref) else "(direct)"),
                    page_no,
                    obj,
                )
        for (owner, mcid), el in self.owned.items():
            if (owner, mcid) not in self.used_mcids:
                r.warn(
                    "01-005",
                    "structure element claims MCID %s, which its page's content does not use" % mcid,
                    self.page_no.get(owner),
                    el,
                )

    def annotation_tags(self):
        """Each annotation in the tree by an OBJR, within the right tag (28-002,
        28-010, 28-011), and with a /StructParent that points back."""
        r, doc = self.r, self.doc
        pt = self.parent_tree() if self.root else {}
        for aref, ad, sub, n in self.pending_annots:
            want, cid = {"Link": ("Link", "28-011"), "Widget": ("Form", "28-010")}.get(sub, ("Annot", "28-002"))
            el = self.objr.get(aref) if self.root else None
            if el is None:
                r.fail(cid, "a %s annotation is not in the structure tree (no OBJR names it)" % sub, n, aref)
                continue
            eld = doc.dict_of(el)
            std = self.role(str(eld.get("S", "")))
            if std != want:
                r.fail(cid, "a %s annotation is inside a /%s element, not /%s" % (sub, eld.get("S"), want), n, aref)
            if "StructParent" not in ad:
                r.fail(cid, "a %s annotation has no /StructParent" % sub, n, aref)
            elif pt.get(ad["StructParent"]) != el:
                r.fail(cid, "a %s annotation's /StructParent %s does not lead to the element holding its OBJR" % (sub, ad["StructParent"]), n, aref)
            if sub not in ("Widget", "Link"):
                if not (text(doc.get(ad.get("Contents"))) or "").strip() and not (text(doc.get(eld.get("Alt"))) or "").strip():
                    r.fail("28-004", "a %s annotation has neither /Contents nor /Alt on its element" % sub, n, aref)

    def forms_once(self):
        for xref, uses in self.form_uses.items():
            x = self.doc.get(xref)
            if uses > 1 and isinstance(x, Stream) and re.search(rb"/MCID\b", x.data):
                self.r.fail("30-002", "a form XObject with MCIDs is drawn %d times" % uses, obj=xref)

    # -- fonts

    def fonts(self):
        r, doc = self.r, self.doc
        for key, (page_no, res_name, ref) in sorted(self.fonts_used.items(), key=lambda x: x[1][0]):
            f = doc.dict_of(ref)
            obj = ref if isinstance(ref, Ref) else None
            sub = f.get("Subtype")
            base = f.get("BaseFont", res_name)
            label = "font /%s (/%s)" % (base, res_name)
            if sub == "Type0":
                desc_font = doc.dict_of((as_list(doc.get(f.get("DescendantFonts"))) or [None])[0])
                fd = doc.dict_of(desc_font.get("FontDescriptor"))
                if desc_font.get("Subtype") == "CIDFontType2" and any(k in fd for k in ("FontFile2", "FontFile3")):
                    m = desc_font.get("CIDToGIDMap")
                    if m is None:
                        r.fail("31-005", "%s: its CIDFontType2 has no /CIDToGIDMap" % label, page_no, obj)
                    elif not (m == "Identity" or isinstance(doc.get(m), Stream)):
                        r.fail("31-004", "%s: /CIDToGIDMap is neither a stream nor /Identity" % label, page_no, obj)
            else:
                fd = doc.dict_of(f.get("FontDescriptor"))
            if sub != "Type3" and not any(k in fd for k in ("FontFile", "FontFile2", "FontFile3")):
                r.fail("31-009", "%s is not embedded (no FontFile in its descriptor)" % label, page_no, obj)
            if not isinstance(doc.get(f.get("ToUnicode")), Stream) and not self.unicode_by_encoding(f, sub):
                r.fail("31-027", "%s has no /ToUnicode and no standard encoding that maps it" % label, page_no, obj)

    def unicode_by_encoding(self, f, sub):
        """PDF/UA-1 7.21.7: without ToUnicode, a simple font is still
        mapped by a standard encoding, a Type0 font by a predefined CMap of
        an Adobe CJK collection."""
        doc = self.doc
        enc = doc.get(f.get("Encoding"))
        std = ("WinAnsiEncoding", "MacRomanEncoding", "MacExpertEncoding", "StandardEncoding")
        if sub in ("Type1", "MMType1", "TrueType"):
            if isinstance(enc, Name):
                return str(enc) in std
            if isinstance(enc, dict):
                return enc.get("BaseEncoding") in std
            return False
        if sub == "Type0":
            d = doc.dict_of((as_list(doc.get(f.get("DescendantFonts"))) or [None])[0])
            info = doc.dict_of(d.get("CIDSystemInfo"))
            return (
                text(info.get("Registry")) == "Adobe"
                and text(info.get("Ordering")) in ("GB1", "CNS1", "Japan1", "Korea1")
                and isinstance(enc, Name)
                and str(enc) not in ("Identity-H", "Identity-V")
            )
        return False

    def run(self):
        self.pending_annots = []
        self.root = {}
        self.catalog_lang = None
        self.catalog()
        self.pages()
        self.struct_tree()
        if not self.root and self.catalog_lang is None:
            self.r.fail("11-001", "catalog has no valid /Lang")
        self.mcids()
        self.annotation_tags()
        self.note_ids()
        self.forms_once()
        self.fonts()


def load(path):
    try:
        p = subprocess.run(
            ["qpdf", "--json", "--json-stream-data=inline", "--decode-level=generalized", path],
            capture_output=True,
        )
    except OSError as e:
        return None, "cannot run qpdf: %s" % e
    # qpdf exits 3 when it could read the file but warned (a repaired xref).
    if p.returncode not in (0, 3):
        return None, (p.stderr.decode("utf-8", "replace").strip() or "qpdf failed").splitlines()[-1]
    try:
        return Doc(json.loads(p.stdout)), None
    except (ValueError, KeyError, IndexError) as e:
        return None, "qpdf's JSON is not readable: %s" % e


def main(argv):
    args = [a for a in argv[1:] if a != "--json"]
    as_json = "--json" in argv[1:]
    if len(args) != 1:
        print("usage: check.py FILE.pdf [--json]", file=sys.stderr)
        return 2
    path = args[0]
    doc, err = load(path)
    if doc is None:
        print("%s: cannot read: %s" % (path, err), file=sys.stderr)
        return 2
    report = Report(path)
    if not doc.dict_of(doc.trailer.get("Root")):
        print("%s: cannot read: no document catalog" % path, file=sys.stderr)
        return 2
    try:
        Checker(doc, report).run()
    except Exception:  # a bug here, or a file too odd for it: never a verdict
        import traceback

        traceback.print_exc()
        print("%s: cannot check: the checker failed on this file" % path, file=sys.stderr)
        return 2
    fails = [i for i in report.items if i[0] == "fail"]
    if as_json:
        out = [
            {
                "severity": sev,
                "id": cid,
                "what": what,
                "page": page,
                "object": obj.num if isinstance(obj, Ref) else None,
            }
            for sev, cid, what, page, obj in report.items
        ]
        print(json.dumps({"file": path, "passed": not fails, "findings": out}, indent=1))
    else:
        for sev, cid, what, page, obj in report.items:
            line = "%s: %s: %s%s%s" % (path, cid, "warning: " if sev == "warning" else "", what, Report.where(page, obj))
            print(line, file=sys.stderr if sev == "warning" else sys.stdout)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
