"""The recognition engine: cleaning, segmentation, language, matching, coding, profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from citydiplomacy.core.recognition import (
    analyse,
    check_language,
    detect_language,
    parse_lexicon,
    profile,
    segment,
)
from citydiplomacy.core.recognition.normalise import clean_pages, normalise
from citydiplomacy.errors import DataError, ValidationError
from citydiplomacy.io.texts import recogniser

DATA = Path(__file__).resolve().parent.parent / "data" / "recognition"
TEXTS = Path(__file__).resolve().parents[2] / "src" / "citydiplomacy" / "data" / "recognition"


def refs(lang: str, text: str) -> list[tuple[str, str, str]]:
    """(term as written, category, code) of every reference in ``text``."""
    r = recogniser(lang)
    return [(x.term, x.category, x.code) for x in r.references(normalise(text))]


def terms(lang: str, text: str) -> list[str]:
    return [t for t, _, _ in refs(lang, text)]


# -- cleaning ---------------------------------------------------------------------------


def test_clean_pages_drops_running_heads_page_numbers_and_joins_hyphenated_words() -> None:
    pages = [
        f"A/RES/79/214\n24-12345\n{body}\n{n}\n2/4 24-12345"
        for n, body in enumerate(
            [
                "1. The General Assembly encourages local govern-\nments to act;",
                "2. Recognizes the role of peri-\nurban areas and peri-urban farming;",
                "3. Decides to remain seized of the matter.",
                "4. Invites cities to develop strategies.",
            ],
            start=1,
        )
    ]
    text = clean_pages(pages)
    assert "A/RES/79/214" not in text and "24-12345" not in text
    assert "local governments to act" in text
    # the pair is hyphenated elsewhere in the text: a true compound keeps its hyphen
    assert "peri-urban areas" in text
    assert not any(line.strip().isdigit() for line in text.splitlines())
    assert [p.number for p in segment(text)] == ["1", "2", "3", "4"]


def test_normalise_nfd_tatweel_and_apostrophes() -> None:
    assert normalise("местнои\u0306 ciudadani\u0301a") == "местной ciudadanía"
    assert normalise("البلـديـات") == "البلديات"
    assert normalise("d’administrations") == "d'administrations"


# -- segmentation -------------------------------------------------------------------------

RESOLUTION = """A/RES/99/1 United Nations

The General Assembly,

Recalling its resolution 71/256 on the New Urban Agenda,

Noting with appreciation the work of cities,

I. Local action

1. Invites local governments to take part:

(a) in the review;

(b) in the follow-up;

2. Encourages Member States to act.

II. Follow-up and review

3. Requests the Secretary-General to submit a report on cities.
"""


def test_segment_numbered_preamble_subparagraphs_sections_positions() -> None:
    paragraphs = segment(RESOLUTION)
    by_key = {p.key: p for p in paragraphs}
    assert [p.key for p in paragraphs][-3:] == ["1", "2", "3"]
    first = by_key["1"]
    assert first.section == "I. Local action"
    assert [part.label for part in first.parts] == ["", "(a)", "(b)"]
    assert first.text.splitlines()[1] == "(a) in the review;"
    assert first.part_at(first.text.index("review")) == "(a)"
    assert by_key["3"].position == "follow-up"
    assert by_key["3"].section == "II. Follow-up and review"
    pre = [p for p in paragraphs if p.position == "preamble"]
    assert [p.key for p in pre] == ["PP1", "PP2", "PP3"]
    assert pre[1].text.startswith("Recalling")


def test_segment_article_keys_and_restarts_are_unique() -> None:
    text = "Article 4\n\n1. One.\n\n2. Two.\n\nArticle 5\n\n1. Three.\n\nAnnex I\n\n1. Four.\n\n"
    text += "2. Five.\n\nAnnex II\n\n1. Six."
    keys = [p.key for p in segment(text)]
    assert keys == ["4.1", "4.2", "5.1", "Annex I/1", "Annex I/2", "Annex II/1"]


def test_segment_paris_agreement_keys_by_article() -> None:
    paragraphs = segment((TEXTS / "texts" / "paris_agreement" / "final.en.txt").read_text())
    keys = {p.key for p in paragraphs}
    assert {"7.2", "11.2", "PP16"} <= keys
    pp16 = next(p for p in paragraphs if p.key == "PP16")
    assert "all levels of government" in pp16.text
    assert len(keys) == len(paragraphs)


# -- language ---------------------------------------------------------------------------

SAMPLES = {
    "en": "The General Assembly recognizes the role of local governments in the implementation of the Agenda and invites all Member States to engage with them.",
    "fr": "L'Assemblée générale reconnaît le rôle des administrations locales dans la mise en œuvre du Programme et invite les États Membres à collaborer avec elles pour les villes.",
    "es": "La Asamblea General reconoce el papel de los gobiernos locales en la aplicación de la Agenda e invita a los Estados Miembros a colaborar con ellos en las ciudades.",
    "ru": "Генеральная Ассамблея признает роль местных органов власти в осуществлении Повестки дня и предлагает всем государствам-членам взаимодействовать с ними.",
    "zh": "大会确认地方政府在执行议程方面的作用，并邀请所有会员国与地方政府和城市合作。",
    "ar": "إن الجمعية العامة تعترف بدور الحكومات المحلية في تنفيذ الخطة وتدعو جميع الدول الأعضاء إلى التعاون مع المدن.",
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_detect_language_six_un_languages(lang: str) -> None:
    assert detect_language(SAMPLES[lang]) == lang


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "Die Generalversammlung erkennt die Rolle der Städte und der lokalen Behörden an und fordert die Mitgliedstaaten auf, mit ihnen zusammenzuarbeiten, die auch sind.",
            "German (de)",
        ),
        (
            "L'Assemblea generale riconosce il ruolo delle città e degli enti locali e invita gli Stati membri a collaborare con loro per lo sviluppo sostenibile della regione.",
            "Italian (it)",
        ),
        (
            "Генеральна Асамблея визнає роль міст і місцевих органів влади та закликає держави-члени співпрацювати з ними і їхніми громадами.",
            "Ukrainian (uk)",
        ),
    ],
)
def test_detect_language_refuses_other_languages_by_name(text: str, named: str) -> None:
    with pytest.raises(DataError, match=named.replace("(", r"\(").replace(")", r"\)")):
        detect_language(text)


def test_detect_language_too_short_and_unknown_code() -> None:
    with pytest.raises(DataError, match="too few letters"):
        detect_language("12. 13.")
    with pytest.raises(DataError, match="unknown language 'de'"):
        check_language("de")
    assert check_language("ZH-Hans") == "zh"


# -- false friends (issue 17, item 2; lexicon_notes.md section 4) -------------------------


def test_spanish_ciudadano_and_ciudadania_are_not_cities() -> None:
    assert terms("es", "Los ciudadanos y la ciudadanía mundial; la educación ciudadana.") == []
    assert terms("es", "Lograr que las ciudades y la ciudad sean inclusivas.") == [
        "ciudades",
        "ciudad",
    ]


def test_arabic_madani_civil_is_not_cities_and_clitics_are_stripped() -> None:
    assert terms("ar", "المجتمع المدني والتسجيل المدني") == []
    assert terms("ar", "للمدن وبالمدن والمدن") == ["للمدن", "وبالمدن", "والمدن"]
    # the root ب ل د: countries are not municipalities; tatweel removed before matching
    assert terms("ar", "البلدان النامية") == []
    assert terms("ar", "نفـايـات البلـديـات") == []  # municipal waste (SDG 11.6): excluded
    assert terms("ar", "البلـديـات") == ["البلديات"]
    # المحلي alone also means "domestic" (GDP)
    assert terms("ar", "الناتج المحلي الإجمالي") == []
    assert terms("ar", "التوسع الحضري") == []  # urbanisation


@pytest.mark.parametrize(
    "text",
    ["城市化", "城镇化", "城市垃圾", "城市固体废物", "城市废物", "推动城市化进程和城镇化建设"],
)
def test_chinese_cheng_shi_inside_urbanisation_and_municipal_waste_is_not_a_city(
    text: str,
) -> None:
    assert terms("zh", text) == []


def test_chinese_cities_local_government_and_the_mayor_trap() -> None:
    assert terms("zh", "地方政府和城市") == ["地方政府", "城市"]
    found = refs("zh", "城市长期规划")
    assert ("市长", "mayor") not in [(t, c) for t, c, _ in found]
    assert terms("zh", "市场和市场准入") == []


def test_english_false_friends() -> None:
    text = (
        "Capacity-building, capacities, scarcity, ethnicity and electricity; the Durban "
        "Platform; UN-Habitat and the United Nations Human Settlements Programme; local "
        "communities and local knowledge; regional economic integration organizations; "
        "municipal solid waste; the New Urban Agenda; urbanization."
    )
    assert terms("en", text) == []


def test_french_and_russian_false_friends() -> None:
    assert terms("fr", "des responsabilités communes mais différenciées; les communications") == []
    assert terms("ru", "с пригородными районами, Новгород и Белгород, огород, градации") == []


# -- inflections --------------------------------------------------------------------------


def test_russian_cases() -> None:
    text = "городов, городам, в городах, городом; местных органов власти и местным органам власти"
    assert [c for _, c, _ in refs("ru", text)] == ["city"] * 4 + ["local_government"] * 2


def test_french_and_spanish_plurals_and_agreement() -> None:
    assert [
        c for _, c, _ in refs("fr", "les villes, les autorités locales et les zones urbaines")
    ] == [
        "city",
        "local_government",
        "urban",
    ]
    assert [
        c for _, c, _ in refs("es", "dimensiones locales, subnacionales y gobiernos locales")
    ] == [
        "subnational_government",
        "local_government",
    ]


# -- coding -------------------------------------------------------------------------------


def test_actor_place_issue_cues_are_named() -> None:
    r = recogniser("en")
    found = r.references(
        "Invites local governments to engage; notes the growth of slums in cities; "
        "promotes sustainable cities."
    )
    assert [(x.term, x.code) for x in found] == [
        ("local governments", "actor"),
        ("cities", "place"),
        ("cities", "issue"),
    ]
    assert found[0].cue.startswith("actor cue ")
    assert found[1].cue == "place cue 'in' before the term"
    assert found[2].cue == "issue cue 'sustainable' before the term"
    default = r.references("The report of local governments.")
    assert default[0].code == "actor" and default[0].cue.startswith("default:")


def test_cues_do_not_cross_sentences() -> None:
    r = recogniser("en")
    found = r.references("We engage partners. Cities grow.")
    assert found[0].code == "issue" and found[0].cue.startswith("default")


def test_bracketed_reference_is_marked() -> None:
    r = recogniser("en")
    found = r.references("recognizing the role of [subnational and local authorities] and others")
    assert len(found) == 1 and found[0].bracketed and found[0].code == "actor"


def test_city_of_sevastopol_control_is_place_only() -> None:
    r = recogniser("en")
    analysis = analyse((TEXTS / "texts/controls/A-RES-80-223.en.txt").read_text(), r)
    p = profile(analysis)
    # verified by hand: "city" 12 times (11 "city of Sevastopol", 1 "ancient city of
    # Chersonese"), all places; no local-government actor
    assert p.references == 12
    assert p.by_code == {"actor": 0, "place": 12, "issue": 0}
    assert "No paragraph treats them as actors" in p.summary


# -- gold counts on real texts (verified by hand with grep; see docs/recognition.md) -----


def test_paris_agreement_english_and_spanish_gold_counts() -> None:
    en = profile(
        analyse((TEXTS / "texts/paris_agreement/final.en.txt").read_text(), recogniser("en"))
    )
    es = profile(
        analyse((TEXTS / "texts/paris_agreement/final.es.txt").read_text(), recogniser("es"))
    )
    # PP16 "all levels of government", 7.2 "local, subnational ...", 11.2 "national,
    # subnational and local levels": three references in each language
    assert en.references == 3 and es.references == 3
    assert sorted(str(m["key"]) for m in en.paragraphs_mentioning) == ["11.2", "7.2", "PP16"]
    assert sorted(str(m["key"]) for m in es.paragraphs_mentioning) == ["11.2", "7.2", "PP16"]
    assert en.by_category == {"multilevel": 1, "subnational_government": 2}
    assert en.strongest is not None and en.strongest["key"] == "PP16"
    assert en.by_code == es.by_code == {"actor": 1, "place": 1, "issue": 1}


def test_profile_counts_add_up() -> None:
    analysis = analyse(RESOLUTION, recogniser("en"))
    p = profile(analysis)
    assert sum(p.by_code.values()) == p.references == sum(p.by_category.values())
    assert sum(p.by_position.values()) == len(p.paragraphs_mentioning)
    assert p.per_10000_words == pytest.approx(10_000 * p.references / p.words, abs=0.01)
    assert p.strongest is not None and p.strongest["code"] == "actor"
    assert p.strongest["key"] == "1"


# -- lexicon files --------------------------------------------------------------------------


def test_lexicon_problems_are_all_reported_with_row_and_column() -> None:
    rows = [
        (2, {"term": "", "category": "city"}),
        (3, {"term": "x", "category": "town hall"}),
        (4, {"term": "with", "category": "cue_actor", "pattern": "sideways:3"}),
        (5, {"term": "x", "category": "city", "pattern": "(unclosed"}),
    ]
    with pytest.raises(ValidationError) as err:
        parse_lexicon(rows, "mine.csv")
    located = [(p.row, p.column) for p in err.value.problems]
    assert located == [(2, 1), (3, 2), (4, 4), (5, 4)]


@pytest.mark.parametrize("lang", ["ar", "en", "es", "fr", "ru", "zh"])
def test_packaged_lexicons_parse_and_have_every_kind(lang: str) -> None:
    from citydiplomacy.io.texts import load_lexicon

    entries = load_lexicon(lang)
    kinds = {e.category for e in entries}
    assert {"city", "local_government", "exclude", "cue_actor", "cue_place"} <= kinds


def test_pact_for_the_future_gold_count() -> None:
    # verified by hand (grep for city/cities/urban/local .../subnational/municipal/mayor/
    # settlement): "sustainable cities" in 25 (c), "local authorities" in 83 among the
    # actors of implementation, "engagement with local and regional authorities" in 83 (e)
    p = profile(
        analyse((TEXTS / "texts/pact_for_the_future/final.en.txt").read_text(), recogniser("en"))
    )
    got = sorted((x.where, x.reference.term, x.reference.code) for x in p.located)
    assert got == [
        ("25 (c)", "cities", "issue"),
        ("83", "local authorities", "actor"),
        ("83 (e)", "local and regional authorities", "actor"),
    ]
