#!/usr/bin/env python3
"""Recomputes a form's wording fingerprint from forms/README.md's rules alone
("The wording fingerprint"), with PyYAML: an implementation that shares no
code with medpacket. Prints "FILE FINGERPRINT" for each form file given."""
import hashlib
import re
import sys

import yaml


def squash(text):
    """Runs of white space made one space, the ends trimmed, no spaces inside
    placeholder braces."""
    text = re.sub(r"[ \t\r\n]+", " ", text or "").strip()
    return re.sub(r"(?<!\\)\{\{\s*(.*?)\s*\}\}", lambda m: "{{" + m.group(1).replace(" ", "") + "}}", text)


def pieces(text, literal):
    """A paragraph's pieces: a blank line starts a new one; in a literal (|)
    block a lone line break is a space."""
    if literal:
        text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
    return [squash(p) for p in text.split("\n") if squash(p)]


class Loader(yaml.SafeLoader):
    pass


def construct_str(loader, node):
    # Keep the style: a literal block splits paragraphs differently.
    value = loader.construct_scalar(node)
    return (value, node.style == "|")


Loader.add_constructor("tag:yaml.org,2002:str", construct_str)


def text(v):
    return v[0] if isinstance(v, tuple) else ("" if v is None else str(v))


def wording(doc):
    lines = ["medpacket-wording 1", "kind: " + text(doc["kind"]),
             "language: " + squash(text(doc["language"])), "title: " + squash(text(doc["title"]))]
    if "language_name" in doc:  # a notice's heading
        lines.append("language_name: " + squash(text(doc["language_name"])))
    for block in doc["blocks"]:
        (kind, value), = block.items()
        kind = text(kind) if isinstance(kind, tuple) else kind
        if kind == "heading":
            lines.append("heading: " + squash(text(value)))
        elif kind in ("paragraph", "procedure", "questions"):
            literal = isinstance(value, tuple) and value[1]
            lines += ["%s: %s" % (kind, p) for p in pieces(text(value), literal)]
        elif kind in ("list", "checkboxes"):
            label = "list" if kind == "list" else "checkbox"
            lines += ["%s: %s" % (label, squash(text(i))) for i in value]
        elif kind in ("benefits", "risks", "alternatives"):
            label = kind[:-1]
            for item in value:
                if isinstance(item, dict):
                    item = {text(k): v for k, v in item.items()}
                    title, body = text(item.get("title")), text(item.get("text"))
                else:
                    title, body = "", text(item)
                lines.append("%s: %s | %s" % (label, squash(title), squash(body)))
        elif kind == "patient_id":
            lines.append("patient_id:" + "".join(" " + text(f) for f in value))
        elif kind == "signatures":
            for sig in value:
                sig = {text(k): v for k, v in sig.items()}
                named = "".join(" " + k for k in ("printed_name", "date", "time")
                                if sig.get(k, True) is not False)
                extras = [squash(text(e)) for e in sig.get("extra") or []]
                lines.append("signature: %s | signer=%s |%s | extra:%s" % (
                    squash(text(sig.get("role"))), text(sig.get("signer")), named,
                    (" " + "; ".join(extras)) if extras else ""))
        elif kind == "booking_qr":
            value = {text(k): v for k, v in (value or {}).items()}
            lines.append("booking_qr: %s | %s" % (squash(text(value.get("caption"))),
                                                  squash(text(value.get("url")))))
        elif kind == "page_break":
            pass
        else:
            raise SystemExit("unknown block " + kind)
    return "".join(line + "\n" for line in lines)


for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=Loader)
    doc = {text(k): v for k, v in doc.items()}
    print(path, hashlib.sha256(wording(doc).encode("utf-8")).hexdigest())
