"""Cut a multilateral text into its paragraphs, as the text numbers them.

UN resolutions, declarations and agreements share one shape: a masthead, unnumbered
preambular paragraphs ("Recalling ...,"), numbered operative paragraphs ("12. Calls
upon ..."), lettered sub-paragraphs ("(a) ...") that belong to the paragraph before them,
and headings ("Article 7", "I. Sustainable development", "Action 6. ...") that group them.
:func:`segment` turns blank-line separated blocks (see
:func:`~citydiplomacy.core.recognition.normalise.clean_pages` for paged text) into
:class:`Paragraph` records with a key that is unique within the text:

* numbered paragraphs: their number ("12", "13.1"); under an "Article N" heading, "N.12";
  numbering that restarts at 1 (an annex) gets the part as prefix ("Annex I/3", "part 2/3");
* unnumbered paragraphs before the first numbered one: "PP1", "PP2"... (UN usage for
  preambular paragraphs); after it: the section and position ("Article 3", "Annex I¶2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from citydiplomacy.core.recognition.normalise import normalise

Position = Literal["preamble", "operative", "follow-up"]

_DIGIT_MAP = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)

#: "12. ", "12 . ", "13.1 ", "12．", Arabic style "12 - ", SDG target style "11.a ".
_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.(?:\d{1,3}|[a-z]))*)(?:\s*[.．]|\s+-)(?=\s|$)\s*")
_DOTTED = re.compile(r"^\s*(\d{1,3}(?:\.(?:\d{1,3}|[a-z]))+)\s+(?=\S)")
#: "(a) ", "(iv) ", "（a）", "(أ) ", "a) ", "б) ".
_SUB = re.compile(
    r"^\s*(?:[(（]\s*([a-z]{1,2}|[ivxlc]{1,6}|\d{1,2}|[а-я]|[\u0621-\u064a])\s*[)）]"
    r"|([a-z]|[ivxlc]{1,5}|[а-я])\))\s+",
)
_HEADING_WORD = re.compile(
    r"^(?:action|article|artículo|статья|chapter|chapitre|capítulo|глава|annex|annexe|anexo|"
    r"приложение|part|partie|parte|часть|section|sección|раздел|المادة|المرفق|الفصل|الجزء|"
    r"第[一二三四五六七八九十百\d]+[条章部分节]|附件)\s*[\dIVXLC一二三四五六七八九十]*",
    re.IGNORECASE,
)
_ROMAN_HEADING = re.compile(r"^[IVXLC]{1,6}\s*[.．]\s+\S")
_LETTER_HEADING = re.compile(r"^[A-H]\s*[.．]\s+\S")
_ARTICLE = re.compile(
    r"^(?:article|artículo|статья|المادة)\s+(\d{1,3})\b|^第\s*(\d{1,3})\s*条", re.IGNORECASE
)
_ANNEX = re.compile(r"^(?:annex|annexe|anexo|приложение|附件|المرفق)\b", re.IGNORECASE)
_FOLLOW_UP_HEADING = re.compile(
    r"follow-?up|review|suivi|examen|seguimiento|examen|последующ|обзор|后续|审查|审评|متابعة|استعراض",
    re.IGNORECASE,
)
_FOLLOW_UP_PARAGRAPH = re.compile(
    r"requests the secretary-general to (?:submit|report|include|prepare a report)|"
    r"decides to include in the provisional agenda|"
    r"prie le secrétaire général de (?:lui )?(?:présenter|soumettre|faire rapport)|"
    r"décide d'inscrire à l'ordre du jour provisoire|"
    r"solicita al secretario general que (?:le )?(?:presente|informe|incluya)|"
    r"decide incluir en el programa provisional|"
    r"просит генерального секретаря представить|постановляет включить в предварительную повестку|"
    r"请秘书长.{0,30}提交|决定将.{0,40}列入.{0,20}临时议程|"
    r"تطلب إلى الأمين العام أن يقدم|تقرر أن تدرج في جدول الأعمال المؤقت",
    re.IGNORECASE,
)
_TERMINAL = (".", ",", ";", ":", "。", "，", "；", "：", "؛", "،", "?", "!")


@dataclass(frozen=True)
class Part:
    """A piece of a paragraph: its lead text (``label`` "") or a sub-paragraph ("(a)")."""

    label: str
    start: int  # offset of the part's text in :attr:`Paragraph.text`
    end: int


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a text.

    Attributes
    ----------
    index
        0-based order in the text.
    key
        Unique within the text; stable across versions when the printed number is.
    number
        The number as printed ("12", "13.1"), or "" for an unnumbered paragraph.
    section
        The heading the paragraph stands under ("" before the first heading).
    position
        ``preamble``, ``operative`` or ``follow-up`` (follow-up and review).
    text
        The paragraph without its printed number; sub-paragraphs on lines of their own,
        each starting with its label.
    parts
        Where the lead and each sub-paragraph lie in ``text``.
    """

    index: int
    key: str
    number: str
    section: str
    position: Position
    text: str
    parts: tuple[Part, ...]

    def part_at(self, offset: int) -> str:
        """Label of the sub-paragraph holding ``offset`` ("" for the lead)."""
        for part in reversed(self.parts):
            if part.start <= offset:
                return part.label
        return ""


@dataclass
class _Draft:
    number: str
    section: str
    heading_key: str
    lead: str
    subs: list[tuple[str, str]]


def _blocks(text: str) -> list[str]:
    """Blank-line separated blocks; a line starting a (sub-)paragraph also starts a block."""
    blocks: list[str] = []
    for raw in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in raw.splitlines():
            line = line.strip()
            if not line:
                continue
            if current and (_NUMBER.match(line) or _SUB.match(line) or _DOTTED.match(line)):
                blocks.append(" ".join(current))
                current = []
            current.append(line)
        if current:
            blocks.append(" ".join(current))
    return blocks


def is_heading(block: str) -> bool:
    """A heading: "Article 7", "I. Title", "Action 6. ...", or a short line without
    closing punctuation that does not start a numbered or lettered paragraph."""
    words = block.split()
    if _HEADING_WORD.match(block) and len(words) <= 30:
        return True
    if (_ROMAN_HEADING.match(block) or _LETTER_HEADING.match(block)) and len(words) <= 25:
        return not block.endswith((",", ";", ":"))
    if _NUMBER.match(block) or _SUB.match(block):
        return False
    cjk = sum(1 for c in block if "\u4e00" <= c <= "\u9fff")
    short = len(block) <= 40 if cjk > len(block) / 2 else len(words) <= 12
    starts_low = block[:1].islower()
    return short and not block.endswith(_TERMINAL) and not starts_low


def segment(text: str) -> list[Paragraph]:
    """The paragraphs of ``text`` (normalised first), in order. See the module docstring."""
    drafts: list[_Draft] = []
    section = ""
    heading_key = ""
    for block in _blocks(normalise(text)):
        block = block.translate(_DIGIT_MAP) if block[:3].strip()[:1].isdigit() else block
        number_match = _NUMBER.match(block) or _DOTTED.match(block)
        sub_match = None if number_match else _SUB.match(block)
        if number_match:
            number = number_match.group(1)
            rest = block[number_match.end() :].strip()
            if not rest:
                continue  # a bare "13." whose content comes as 13.1, 13.2
            drafts.append(_Draft(number, section, heading_key, rest, []))
        elif sub_match and drafts:
            label = f"({sub_match.group(1) or sub_match.group(2)})"
            drafts[-1].subs.append((label, block[sub_match.end() :].strip()))
        elif is_heading(block):
            section = block
            article = _ARTICLE.match(block)
            if article:
                heading_key = article.group(1) or article.group(2)
            elif _ANNEX.match(block):
                heading_key = " ".join(block.split()[:2]).rstrip(".:")
        else:
            drafts.append(_Draft("", section, heading_key, block, []))
    return _finish(drafts)


def _finish(drafts: list[_Draft]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    seen: dict[str, int] = {}
    numbered_seen = False
    preamble_count = 0
    part = 1
    last_top = 0
    last_key = ""
    unnumbered_in_section: dict[str, int] = {}
    for d in drafts:
        if d.number:
            top = int(d.number.split(".")[0])  # "11.a" -> 11
            restart = numbered_seen and top == 1 and (top < last_top or d.heading_key != last_key)
            if restart and not d.heading_key.isdigit():
                part += 1  # numbering starts again: an annex, a second part
            last_top, last_key = top, d.heading_key
            numbered_seen = True
            if d.heading_key.isdigit():
                key = f"{d.heading_key}.{d.number}"
            elif part > 1:
                key = f"{d.heading_key or f'part {part}'}/{d.number}"
            else:
                key = d.number
            position: Position = "operative"
        elif not numbered_seen and not d.heading_key:
            preamble_count += 1
            key = f"PP{preamble_count}"
            position = "preamble"
        else:
            label = d.heading_key if d.heading_key.isdigit() else d.heading_key or "text"
            n = unnumbered_in_section.get(label, 0) + 1
            unnumbered_in_section[label] = n
            key = label if n == 1 and label.isdigit() else f"{label}¶{n}"
            position = "operative" if numbered_seen or d.heading_key else "preamble"
        if position == "operative" and (
            _FOLLOW_UP_HEADING.search(d.section) or _FOLLOW_UP_PARAGRAPH.search(d.lead)
        ):
            position = "follow-up"
        if key in seen:
            seen[key] += 1
            key = f"{key}~{seen[key]}"
        else:
            seen[key] = 1
        text, parts = _join(d)
        paragraphs.append(
            Paragraph(len(paragraphs), key, d.number, d.section, position, text, parts)
        )
    return paragraphs


def _join(d: _Draft) -> tuple[str, tuple[Part, ...]]:
    pieces = [d.lead]
    parts = [Part("", 0, len(d.lead))]
    offset = len(d.lead)
    for label, body in d.subs:
        line = f"{label} {body}"
        offset += 1  # the line break
        parts.append(Part(label, offset, offset + len(line)))
        pieces.append(line)
        offset += len(line)
    return "\n".join(pieces), tuple(parts)
