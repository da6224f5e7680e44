"""Recognition tracker benchmark (issue 17 targets).

1. **Profile** a 30,000-word text in each of the six languages: in-process time of
   segmentation + matching + coding + profile (the lexicon and lemmatiser already loaded),
   the first call's loading time, and the whole process
   ``citydiplomacy recognition profile FILE --format json`` (targets: < 1 s each, < 3 s
   whole process).
2. **Compare** two 30,000-word versions (English): the second has 10 % of its paragraphs
   edited, 2 % moved, 2 % added and 2 % removed (target: < 1 s).
3. **Import a 60-page PDF** (a text layer built here, about 500 words a page): reading
   the PDF (pypdf), cleaning, segmenting and analysing, in process and as the whole
   ``recognition profile FILE.pdf`` process (target: < 5 s).

The texts are built from the shipped corpus (``data/recognition/texts``): English and
Spanish from the GA resolutions and the Paris Agreement, the other languages from the SDG
texts; each is repeated with new paragraph numbers until it has 30,000 tokens. They are
benchmark inputs, not documents.

Usage::

    .venv/bin/python benchmarks/bench_recognition.py [--repeat 3] [--work /tmp/bench-recognition]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "src/citydiplomacy/data/recognition/texts"
WORDS = 30_000

sys.path.insert(0, str(ROOT / "src"))

from citydiplomacy.core.recognition import analyse, compare, profile  # noqa: E402
from citydiplomacy.io.texts import read_text, recogniser  # noqa: E402


def _paragraphs_of(lang: str) -> list[str]:
    """Paragraph bodies (without their numbers) of shipped texts in ``lang``."""
    if lang == "en":
        files = [*sorted(TEXTS.glob("ga_*/*.en.txt")), TEXTS / "pact_for_the_future/final.en.txt"]
    elif lang == "es":
        files = [TEXTS / "paris_agreement/final.es.txt"]
    else:
        files = []
    bodies: list[str] = []
    for f in files:
        for block in f.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if len(block.split()) >= 8:
                bodies.append(block.split(". ", 1)[-1] if block[:1].isdigit() else block)
    if not files:
        with (TEXTS / "sdg_texts.csv").open(encoding="utf-8") as fh:
            bodies = [r["text"] for r in csv.DictReader(fh) if r["lang"] == lang]
    return bodies


def build_text(lang: str, words: int = WORDS) -> str:
    """A text of at least ``words`` tokens (as the analysis counts them): numbered
    paragraphs from the corpus, repeated."""
    r = recogniser(lang)
    bodies = _paragraphs_of(lang)
    blocks = ["PREAMBLE"]
    n = 0
    while True:
        for _ in range(50):
            blocks.append(f"{n + 1}. {bodies[n % len(bodies)]}")
            n += 1
        text = "\n\n".join(blocks) + "\n"
        enough = n % 500 == 0 or len(r.tokens(text)) >= words
        if enough and analyse(text, r).words >= words:
            return text


def edited(text: str, seed: int = 1) -> str:
    """A new version: 10 % of paragraphs edited, 2 % moved, 2 % added, 2 % removed."""
    rng = random.Random(seed)
    blocks = text.split("\n\n")
    head, body = blocks[:1], [b.split(". ", 1)[1] for b in blocks[1:]]
    n = len(body)
    for i in rng.sample(range(n), n // 10):
        body[i] = body[i] + " and invites local governments to take part in its implementation"
    for _ in range(n // 50):
        body.insert(rng.randrange(n), body.pop(rng.randrange(n)))
    for _ in range(n // 50):
        new = f"Decides to review paragraph {rng.randrange(10**6)} in cities;"
        body.insert(rng.randrange(n), new)
    for _ in range(n // 50):
        body.pop(rng.randrange(len(body)))
    return "\n\n".join(head + [f"{i}. {b}" for i, b in enumerate(body, start=1)]) + "\n"


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer (Helvetica, WinAnsi), one text line per item."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
            + f"] /Count {len(pages)} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 9 Tf 11 TL 40 800 Td "
            + " ".join(f"({esc(line)}) Tj T*" for line in lines)
            + " ET"
        ).encode("cp1252", "replace")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
            f"<< /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for k, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % k + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_of(text: str, pages: int = 60, width: int = 95) -> bytes:
    """``text`` laid out on ``pages`` pages with a running head and a page footer."""
    import textwrap

    lines: list[str] = []
    for block in text.split("\n\n"):
        lines.extend(textwrap.wrap(block, width) or [""])
    per_page = max(1, -(-len(lines) // pages))
    out = []
    for p in range(pages):
        body = lines[p * per_page : (p + 1) * per_page]
        out.append(["A/BENCH/1", *body, f"{p + 1}/{pages}   26-00001"])
    return make_pdf(out)


CPU: list[float] = []  # CPU seconds of the last timed() call's median run


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of ``repeat`` runs; the matching CPU time goes to ``CPU``.

    On a busy machine (the shared one of this project) wall time includes waiting for a
    core; CPU time (this process only) is what an idle machine would take."""
    runs = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t, time.process_time() - c))
    runs.sort()
    wall, cpu = runs[len(runs) // 2]
    CPU[:] = [cpu]
    return wall


def whole_process(argv: list[str]) -> str:
    """Wall and CPU (user + system, children) seconds of one command."""
    before = os.times()
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return f"{wall:.2f} s wall, {cpu:.2f} s CPU"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-recognition"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    exe = str(ROOT / ".venv/bin/citydiplomacy")
    print(f"load average: {os.getloadavg()}")
    print("1. profile, 30,000 words")
    for lang in ("ar", "en", "es", "fr", "ru", "zh"):
        t = time.perf_counter()
        r = recogniser(lang)
        load = time.perf_counter() - t
        text = build_text(lang)
        path = args.work / f"text.{lang}.txt"
        path.write_text(text, encoding="utf-8")
        words = analyse(text, r).words
        inproc = timed(lambda: profile(analyse(text, r)), args.repeat)  # noqa: B023
        whole = whole_process(
            [exe, "recognition", "profile", str(path), "--lang", lang, "--format", "json"]
        )
        print(
            f"  {lang}: {words:,} tokens; profile {inproc:.3f} s wall, {CPU[0]:.3f} s CPU in "
            f"process (loading the lexicon and lemmatiser first: {load:.2f} s); whole "
            f"process {whole}"
        )
    print("2. compare two 30,000-word versions (en)")
    r = recogniser("en")
    old_text = build_text("en")
    new_text = edited(old_text)
    a, b = analyse(old_text, r), analyse(new_text, r)
    t_cmp = timed(lambda: compare(a, b), args.repeat)
    c_cmp = CPU[0]
    result = compare(a, b)
    print(f"  {len(a.paragraphs)} -> {len(b.paragraphs)} paragraphs: {result.counts()}")
    print(f"  compare {t_cmp:.3f} s wall, {c_cmp:.3f} s CPU (analysing both: not included)")
    t_full = timed(lambda: compare(analyse(old_text, r), analyse(new_text, r)), args.repeat)
    print(f"  analyse both + compare {t_full:.3f} s wall, {CPU[0]:.3f} s CPU")
    print("3. import a 60-page PDF (en)")
    pdf = pdf_of(build_text("en", 30_000))
    pdf_path = args.work / "sixty.pdf"
    pdf_path.write_bytes(pdf)

    def import_pdf() -> None:
        source = read_text(pdf, "sixty.pdf")
        profile(analyse(source.text, r))

    source = read_text(pdf, "sixty.pdf")
    print(f"  {source.pages} pages, {len(pdf) / 1e6:.1f} MB, {len(source.text.split()):,} words")
    t_pdf = timed(import_pdf, args.repeat)
    print(f"  read + clean + analyse + profile {t_pdf:.2f} s wall, {CPU[0]:.2f} s CPU")
    whole = whole_process([exe, "recognition", "profile", str(pdf_path), "--format", "json"])
    print(f"  whole process (language detected): {whole}")
    print(f"  for scale, 'citydiplomacy --help': {whole_process([exe, '--help'])}")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
