"""Property tests: segmentation invariants, and alignment of versions and languages."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citydiplomacy.core.recognition import analyse, compare, compare_languages, segment
from citydiplomacy.core.textdiff import new_text, old_text
from citydiplomacy.io.texts import recogniser

DRAFTS = Path(__file__).resolve().parent.parent / "data" / "recognition" / "paris_drafts"
TEXTS = Path(__file__).resolve().parents[2] / "src/citydiplomacy/data/recognition/texts"

WORDS = [
    "cities", "local", "governments", "invites", "states", "climate", "finance", "urban",
    "review", "decides", "capacity", "support", "development", "resilience", "water",
    "energy", "health", "youth", "women", "data", "report", "partners", "adaptation",
]  # fmt: skip

sentences = st.lists(st.sampled_from(WORDS), min_size=5, max_size=14).map(
    lambda ws: ws[0].capitalize() + " " + " ".join(ws[1:]) + ";"
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """Operative paragraphs with distinct texts, some with sub-paragraphs."""
    leads = draw(st.lists(sentences, min_size=2, max_size=12, unique=True))
    subs = [
        draw(st.lists(sentences, max_size=3, unique=True)) if draw(st.booleans()) else []
        for _ in leads
    ]
    return leads, subs


def render(leads: list[str], subs: list[list[str]], order: list[int] | None = None) -> str:
    order = order if order is not None else list(range(len(leads)))
    blocks = ["The General Assembly,", "Recalling its resolutions,"]
    for n, k in enumerate(order, start=1):
        blocks.append(f"{n}. {leads[k]}")
        blocks.extend(f"({chr(97 + i)}) {s}" for i, s in enumerate(subs[k]))
    return "\n\n".join(blocks) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_segmentation_invariants(doc: tuple[list[str], list[list[str]]]) -> None:
    leads, subs = doc
    paragraphs = segment(render(leads, subs))
    operative = [p for p in paragraphs if p.number]
    # one paragraph per numbered block, in order, sub-paragraphs kept under their paragraph
    assert [p.number for p in operative] == [str(n) for n in range(1, len(leads) + 1)]
    assert [p.text.splitlines()[0] for p in operative] == leads
    assert [[part.label for part in p.parts[1:]] for p in operative] == [
        [f"({chr(97 + i)})" for i in range(len(s))] for s in subs
    ]
    keys = [p.key for p in paragraphs]
    assert len(set(keys)) == len(keys)
    assert [p.index for p in paragraphs] == list(range(len(paragraphs)))
    assert {p.position for p in paragraphs if not p.number} == {"preamble"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_a_text_compared_with_itself_has_no_changes(doc: tuple[list[str], list[list[str]]]) -> None:
    r = recogniser("en")
    a = analyse(render(*doc), r)
    comparison = compare(a, a)
    assert {c.kind for c in comparison.changes} == {"unchanged"}
    assert {c.recognition for c in comparison.changes} <= {"none", "same"}
    assert len(comparison.changes) == len(a.paragraphs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents().filter(lambda d: len(d[0]) >= 3), st.data())
def test_a_moved_paragraph_is_moved_not_removed_and_added(
    doc: tuple[list[str], list[list[str]]], data: st.DataObject
) -> None:
    leads, subs = doc
    n = len(leads)
    source = data.draw(st.integers(0, n - 1))
    target = data.draw(st.integers(0, n - 1).filter(lambda t: abs(t - source) >= 2))
    order = list(range(n))
    order.insert(target, order.pop(source))
    r = recogniser("en")
    old, new = analyse(render(leads, subs), r), analyse(render(leads, subs, order), r)
    kinds = [c.kind for c in compare(old, new).changes]
    assert "added" not in kinds and "removed" not in kinds
    assert kinds.count("moved") == 1
    moved = next(c for c in compare(old, new).changes if c.kind == "moved")
    assert moved.old_number == str(source + 1) and moved.new_number == str(target + 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), sentences)
def test_an_inserted_paragraph_is_added_and_the_rest_renumbered(
    doc: tuple[list[str], list[list[str]]], extra: str
) -> None:
    leads, subs = doc
    if extra in leads:
        return
    r = recogniser("en")
    old = analyse(render(leads, subs), r)
    new = analyse(render([extra, *leads], [[], *subs]), r)
    changes = compare(old, new).changes
    assert [c.kind for c in changes].count("added") == 1
    assert {c.kind for c in changes if c.new_number not in ("", "1")} == {"renumbered"}


def test_modified_paragraph_has_a_word_diff_and_strengthening() -> None:
    r = recogniser("en")
    old = analyse("1. Promotes sustainable cities.\n\n2. Decides to remain seized.", r)
    new = analyse(
        "1. Promotes sustainable cities and invites cities to engage.\n\n"
        "2. Decides to remain seized.",
        r,
    )
    first = compare(old, new).changes[0]
    assert first.kind == "modified"
    assert first.recognition == "strengthened" and (first.old_code, first.new_code) == (
        "issue",
        "actor",
    )
    assert old_text(first.diff) == old.paragraphs[0].text
    assert new_text(first.diff) == new.paragraphs[0].text


def test_merged_and_split_paragraphs() -> None:
    r = recogniser("en")
    a = "Invites local governments to share data on urban resilience and finance"
    b = "Encourages cities to cooperate with partners on water and energy"
    c = "Requests the Secretary-General to report on progress next year"
    old = analyse(f"1. {a}.\n\n2. {b}.\n\n3. {c}.", r)
    new = analyse(f"1. {a}, and {b[0].lower()}{b[1:]}.\n\n2. {c}.", r)
    kinds = {c.kind for c in compare(old, new).changes}
    assert "merged" in kinds and "removed" not in kinds
    back = {c.kind for c in compare(new, old).changes}
    assert "split" in back and "added" not in back


def test_paris_drafts_replace_bracketed_subnational_actors_by_all_levels_of_government() -> None:
    # lexicon_notes.md: explicit "subnational and local authorities" text in brackets in the
    # 4 Dec preamble was replaced by the agreed "all levels of government" by 9 Dec
    r = recogniser("en")
    dec4 = analyse((DRAFTS / "2015-12-04_adp_draft_agreement.en.txt").read_text(), r)
    dec9 = analyse((DRAFTS / "2015-12-09_draft_agreement.en.txt").read_text(), r)
    bracketed = [x for x in dec4.located() if x.reference.bracketed]
    assert [x.reference.term for x in bracketed] == ["subnational and local authorities"]
    assert bracketed[0].reference.code == "actor"
    changes = compare(dec4, dec9).changes
    row = next(c for c in changes if c.old_key == bracketed[0].paragraph.key)
    assert row.kind == "modified" and row.new_key is not None
    assert row.recognition == "strengthened"  # a proposal became agreed text
    after = [x for x in dec9.located() if x.paragraph.key == row.new_key]
    assert [(x.reference.term, x.reference.bracketed) for x in after] == [
        ("all levels of government", False)
    ]


def test_language_alignment_flags_missing_and_differently_coded() -> None:
    en = analyse(
        "1. Invites local governments to engage.\n\n2. Notes the report.", recogniser("en")
    )
    es = analyse(
        "1. Invita a los gobiernos locales.\n\n2. Toma nota del informe.", recogniser("es")
    )
    fr = analyse("1. Prend note des villes.\n\n2. Prend note du rapport.", recogniser("fr"))
    rows = {row.key: row for row in compare_languages({"en": en, "es": es, "fr": fr})}
    assert rows["1"].flag == "coded differently"
    assert rows["2"].flag == ""
    rows = {
        row.key: row
        for row in compare_languages({"en": en, "fr": analyse("2. Note.", recogniser("fr"))})
    }
    assert "paragraph absent in fr" in rows["1"].flag


def test_paris_agreement_english_and_spanish_agree_paragraph_by_paragraph() -> None:
    en = analyse((TEXTS / "paris_agreement/final.en.txt").read_text(), recogniser("en"))
    es = analyse((TEXTS / "paris_agreement/final.es.txt").read_text(), recogniser("es"))
    flagged = {row.key: row.flag for row in compare_languages({"en": en, "es": es}) if row.flag}
    assert set(flagged) <= {"7.2"} or flagged == {}


def test_sdg_list_across_six_languages_flags_only_known_paragraphs() -> None:
    import csv

    from citydiplomacy.core.recognition.normalise import normalise

    with (TEXTS / "sdg_texts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    analyses = {}
    for lang in ("ar", "en", "es", "fr", "ru", "zh"):
        mine = [r for r in rows if r["lang"] == lang]
        # goal by goal (as the demo renders it), so numbers never restart
        mine.sort(key=lambda r: int(r["id"].split(".")[0]))
        text = "\n\n".join(f"{r['id']}. {normalise(r['text'])}" for r in mine)
        analyses[lang] = analyse(text, recogniser(lang))
    rows_out = compare_languages(analyses)
    # every language mentions cities or local governments in 1.5.4 (local governments)
    row = next(r for r in rows_out if r.key == "1.5.4")
    assert set(row.codes.values()) == {"actor"} and row.flag == ""
    flagged = {r.key for r in rows_out if r.flag}
    # documented in docs/recognition.md: no language without a reference; four differ
    assert not any(r.flag.startswith("no reference") for r in rows_out)
    assert flagged <= {"11.3.2", "11.6.2", "11.7.1", "11.b"}
