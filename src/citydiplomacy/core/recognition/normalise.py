"""Clean extracted text before it is cut into paragraphs and matched.

Two jobs, both on plain strings (no files):

* :func:`clean_pages` joins the pages of a PDF (or any paged text) into one text without its
  running headers and footers, page numbers, and line-end hyphenation;
* :func:`normalise` puts characters into one form for matching: Unicode NFC (the SDG sources
  were largely NFD, which splits ``й`` and accented letters), no Arabic tatweel (U+0640),
  typographic apostrophes as ASCII ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

TATWEEL = "\u0640"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# Arabic short vowels and other marks (harakat): not written in UN texts, but a pasted text
# may carry some, and they would split a word from its lexicon form.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")

#: A line that is only a page number: "12", "- 7 -", "Page 3", "3/60", "-7-".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page\s+|p\.\s*|стр\.\s*|página\s+)?\d{1,4}"
    r"(?:\s*(?:/|of|de|sur|из)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
#: Control characters other than tab and line breaks: NUL (which PostgreSQL cannot store in
#: text), and the rest, which no UN text has. A form feed (page break) becomes a line break.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """``text`` in NFC, without tatweel, Arabic vowel marks or control characters (NUL...),
    with ASCII apostrophes.

    The result has the same number of characters as the NFC form minus the removed marks;
    callers that need offsets in the original must keep the normalised text as their text.
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROLS.sub("", text.replace("\x0c", "\n"))
    text = text.replace(TATWEEL, "")
    text = _ARABIC_MARKS.sub("", text)
    return text.translate(_APOSTROPHES)


def _line_key(line: str) -> str:
    """A header/footer line with its numbers masked ("A/79/L.2 3/12" -> "A/#/L.# #/#")."""
    return _DIGITS.sub("#", line.strip().lower())


def running_lines(pages: list[list[str]], edge: int = 2) -> set[str]:
    """Keys of lines that recur at the top or bottom of at least half of the pages.

    Only the first and last ``edge`` non-blank lines of each page are considered, and only
    with three pages or more (two pages cannot tell a header from a repeated sentence).
    """
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        keys = {_line_key(ln) for ln in body[:edge] + body[-edge:]}
        seen.update(k for k in keys if k)
    threshold = max(2, (len(pages) + 1) // 2)
    return {k for k, n in seen.items() if n >= threshold}


def _dehyphenate(lines: list[str], compounds: set[str]) -> list[str]:
    """Join words split at a line end ("develop-" + "ment" -> "development").

    A hyphen is kept when the joined pair appears elsewhere in the text with its hyphen
    (``compounds``: "peri-urban", "well-being"), since UN documents hyphenate true compounds.
    """
    out: list[str] = []
    for line in lines:
        if out:
            prev = out[-1]
            m = re.search(r"(\w+)-$", prev)
            n = re.match(r"\s*(\w+)", line)
            if m and n and prev[m.start(1)].isalpha() and n.group(1)[0].islower():
                pair = f"{m.group(1)}-{n.group(1)}".lower()
                joiner = "-" if pair in compounds else ""
                out[-1] = prev[:-1] + joiner + line.lstrip()
                continue
        out.append(line)
    return out


def clean_pages(pages: list[str]) -> str:
    """One text from the pages of a document, without what is not its content.

    Removes lines that are page numbers, lines that recur at the top or bottom of most
    pages (running headers and footers: document symbol, job number, date; numbers in them
    may change from page to page), and line-end hyphenation. Blank lines are kept: they
    separate paragraphs. Text without blank lines (a PDF text layer) has its wrapped lines
    joined into paragraphs by :func:`rebuild_paragraphs`.
    """
    split = [normalise(p).splitlines() for p in pages]
    running = running_lines(split)
    lines: list[str] = []
    for page in split:
        body = [ln.rstrip() for ln in page]
        nonblank = [i for i, ln in enumerate(body) if ln.strip()]
        edges = set(nonblank[:2] + nonblank[-2:])
        for i, ln in enumerate(body):
            if _PAGE_NUMBER.match(ln) and ln.strip():
                continue
            if i in edges and _line_key(ln) in running:
                continue
            lines.append(ln)
        # No blank line at a page break: a paragraph often runs on to the next page.
    whole = "\n".join(lines)
    compounds = {m.group(0).lower() for m in re.finditer(r"\b\w+-\w+\b", whole)}
    joined = _dehyphenate(lines, compounds)
    return rebuild_paragraphs(joined) + "\n"


#: A line that starts a numbered paragraph or a lettered/roman sub-paragraph.
PARAGRAPH_START = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.?\s|\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,3})\)\s|"
    r"(?:[a-z]|[ivxlc]{1,6})\)\s)"
)


def rebuild_paragraphs(lines: list[str]) -> str:
    """Blank-line separated paragraphs from wrapped lines.

    Text that already separates paragraphs by blank lines is returned as it is. Otherwise
    (a PDF text layer, one line per printed line) a new paragraph starts at a numbered or
    lettered line, or after a line that ends a sentence or clause (``. ; : ,``) and is
    clearly shorter than a full line, when the next line starts with a capital letter.
    """
    nonblank = [ln for ln in lines if ln.strip()]
    blanks = len(lines) - len(nonblank)
    if not nonblank or blanks * 8 >= len(nonblank):
        return "\n".join(lines).strip()
    widths = sorted(len(ln.rstrip()) for ln in nonblank)
    full = widths[int(len(widths) * 0.9)] if widths else 0
    blocks: list[list[str]] = []
    for ln in nonblank:
        text = ln.strip()
        starts = bool(PARAGRAPH_START.match(text))
        if blocks and not starts:
            prev = blocks[-1][-1]
            ends = prev[-1:] in ".;:," or prev.endswith(("。", "；", "：", "؛", "،"))
            short = len(prev) < 0.8 * full
            first = text[:1]
            # A capital, a letter of a caseless script (Arabic, Chinese), or a quote/bracket.
            capital = first.isupper() or (first.lower() == first.upper() and not first.isdigit())
            if not (ends and short and capital):
                blocks[-1].append(text)
                continue
        blocks.append([text])
    return "\n\n".join(" ".join(b) for b in blocks)
