"""A PDF's structure tree as poppler and pdf.js print it, in one shape, so
that tests/e2e/pdfua.sh can assert on it and compare the two readers.

The shape is tests/browser/structtree.mjs's JSON: an element is
{"role", "alt"?, "lang"?, "children"}; a marked-content sequence is its text
(a str); an annotation is {"object", ...} (poppler's "Object 6 0" lines).

    poppler(TEXT)          the forest of `pdfinfo -struct-text` output
    pdfjs_text_pages(TEXT) the forests, one a page, of `structtree.mjs --text`
    merge_pages(PAGES, WANT)
                           pdf.js's pages made one forest (see there)
    lines(FOREST)          "DEPTH ROLE" and 'DEPTH "text"' lines, whitespace
                           squashed, annotations left out: what the two
                           readers must agree on (tests/e2e/pdfjs-structtree.sh
                           compares the same lines)
"""

import copy
import json
import re


def squash(s):
    return " ".join(s.split())


def _forest(rows):
    """rows: (depth, node) in pre-order -> a forest."""
    roots, stack = [], []  # stack: (depth, element)
    for depth, node in rows:
        while stack and stack[-1][0] >= depth:
            stack.pop()
        (stack[-1][1]["children"] if stack else roots).append(node)
        if isinstance(node, dict) and "role" in node:
            stack.append((depth, node))
    return roots


def _depth(line):
    body = line.lstrip(" ")
    return (len(line) - len(body)) // 2, body


def poppler(text):
    """`pdfinfo -struct-text`: an element is "ROLE", "ROLE (block)",
    "ROLE (inline)" or "ROLE:" (its attribute lines, "/Key value", follow);
    a text is "..." unescaped; an annotation "Object 6 0"."""
    rows = []
    for line in text.split("\n"):
        depth, body = _depth(line.rstrip("\n"))
        if not body or body.startswith("/"):
            continue
        if body.startswith('"'):
            rows.append((depth, body[1:-1]))
        elif body.startswith("Object "):
            rows.append((depth, {"object": body[7:].replace(" ", "R", 1).split()[0]}))
        else:
            rows.append((depth, {"role": re.match(r"[^ :]+", body).group(0), "children": []}))
    return _forest(rows)


def pdfjs_text_pages(text):
    """`structtree.mjs --text`: "# page N" starts a page; an element is
    'ROLE alt="..." lang="..."'; a text is a JSON string; an annotation
    "[object 6R Link]"."""
    pages, rows = [], None
    for line in text.split("\n"):
        depth, body = _depth(line)
        if body.startswith("# page "):
            if rows is not None:
                pages.append(_forest(rows))
            rows = []
        elif not body:
            continue
        elif body.startswith('"'):
            rows.append((depth, json.loads(body)))
        elif body.startswith("[object "):
            rows.append((depth, {"object": body[8:-1].split()[0]}))
        else:
            m = re.match(r'(\S+)(?: alt=("(?:[^"\\]|\\.)*"))?(?: lang=("(?:[^"\\]|\\.)*"))?$', body)
            node = {"role": m.group(1), "children": []}
            if m.group(2):
                node["alt"] = json.loads(m.group(2))
            if m.group(3):
                node["lang"] = json.loads(m.group(3))
            rows.append((depth, node))
    if rows is not None:
        pages.append(_forest(rows))
    return pages


def is_element(n):
    return isinstance(n, dict) and "role" in n


def elements(forest):
    """Every element, in pre-order."""
    for n in forest:
        if is_element(n):
            yield n
            yield from elements(n["children"])


def text(node, skip=()):
    """An element's text, its kids' in order, squashed; elements whose role
    is in skip left out."""
    parts = []
    for c in node["children"]:
        if isinstance(c, str):
            parts.append(c)
        elif is_element(c) and c["role"] not in skip:
            parts.append(text(c, skip))
    return squash(" ".join(parts))


def lines(forest, depth=0):
    out = []
    for n in forest:
        if isinstance(n, str):
            out.append('%d "%s"' % (depth, squash(n)))
        elif is_element(n):
            out.append("%d %s" % (depth, n["role"]))
            out.extend(lines(n["children"], depth + 1))
    return out


def same_line(a, b):
    """Lines the readers agree on. One allowance: pdf.js (structtree.mjs)
    turns a line end into a space, and where no word space was drawn there
    (a URL broken at its slashes, Chinese) poppler joins the lines: a's text
    may have spaces more than b's."""
    if a == b:
        return True
    qa, qb = a.split('"', 1), b.split('"', 1)
    if len(qa) != 2 or len(qb) != 2 or qa[0] != qb[0]:
        return False
    # b's text is a's with some of its spaces left out.
    i = 0
    for c in qa[1]:
        if i < len(qb[1]) and c == qb[1][i]:
            i += 1
        elif c != " ":
            return False
    return i == len(qb[1])


def _shape(ls):
    """Lines without their texts: the merge decides elements, not texts."""
    return [l.split('"', 1)[0] for l in ls]


def _prefix(got, want, whole):
    if len(got) > len(want) or (whole and len(got) != len(want)):
        return False
    return got == want[:len(got)]


def _chain(forest, last):
    """The roles down the last (or first) element of each level."""
    out = []
    while forest:
        n = forest[-1] if last else forest[0]
        if not is_element(n):
            break
        out.append(n["role"])
        forest = n["children"]
    return out


def _merge(into, page, k):
    """page's forest after into's, its first k levels continuing into's last."""
    if k == 0:
        into.extend(page)
        return
    _merge(into[-1]["children"], page[0]["children"], k - 1)
    into.extend(page[1:])


def _on_page(forest):
    """The elements with content (text, an annotation) on the page."""
    out = []
    for n in forest:
        if is_element(n):
            kids = _on_page(n["children"])
            if kids:
                out.append(dict(n, children=kids))
        else:
            out.append(n)
    return out


def merge_pages(pages, want):
    """pdf.js gives each page the part of the tree with content on it: an
    element across a page break comes once a page, under its ancestors
    (Document, Sect) again, and with its element kids whose content is on
    other pages, empty (an L's every LI): those go (an element with no
    content at all would go too, and poppler, which shows it, then differs).
    The pages made one forest: a page's first elements continue the previous
    page's last ones as deep as their roles agree, unless that gives another
    shape than WANT's (poppler's lines; texts are compared after), as when a
    page starts a new element of the same role as the one before (a form's
    Sect after another's): then the deepest merge that has WANT's shape.
    Which elements continue which is all this decides."""
    merged, want = [], _shape(want)
    for i, page in enumerate(pages):
        page = _on_page(page)
        last = i == len(pages) - 1
        a, b = _chain(merged, True), _chain(page, False)
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        best = None
        for depth in range(k, -1, -1):
            trial = copy.deepcopy(merged)
            _merge(trial, copy.deepcopy(page), depth)
            if best is None:
                best = trial  # the deepest, when none has WANT's shape
            if _prefix(_shape(lines(trial)), want, last):
                best = trial
                break
        merged = best
    return merged


def first_difference(got, want):
    """(index, got line, want line) of the first pair that differs, or None."""
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(end)"
        w = want[i] if i < len(want) else "(end)"
        if not same_line(g, w):
            return i, g, w
    return None
