"""The KPI data workflow pages in French (issue 19, item 7): a city's data of a year, manual
entry, an upload's check, the verification confirmation, and the messages they flash. No
English label of the catalogue is left on them once the data (city, framework and user
names, sources) are taken out; the status labels are French."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from citydiplomacy.web.indicators.models import KpiValue, Submission
from tests.web import test_i18n_pages as pages
from tests.web.export_checks import csv_rows
from tests.web.profiles.conftest import Cohort
from tests.web.test_i18n_catalogue_pages import english_in, visible_texts
from tests.web.test_i18n_pages import data_names

_cohort_data = pages._cohort_data
cohort = pages.cohort

#: An upload with one good row and one bad (an unknown KPI): its check page lists an error.
UPLOAD = (
    "city,country,year,kpi,data_point,value,unit,source\n"
    "Geneva,CH,2024,EC-ICT-ICT-1C,,84.5,% of households,OFS 2024\n"
    "Geneva,CH,2024,XX-NOT-A-KPI,,1,,OFS 2024\n"
)


def french(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "fr"
    return client


def english_left(html: str, cohort: Cohort) -> list[str]:
    assert '<html lang="fr">' in html
    # The values' sources are data written by whoever reported them ("synthetic demo data
    # (citydiplomacy, seed 1)"), as the file names of the uploads are.
    sources = KpiValue.objects.values_list("source", flat=True).distinct()
    files = Submission.objects.values_list("file_name", flat=True)
    names = sorted({*data_names(cohort), *sources, *files}, key=len, reverse=True)
    return english_in(visible_texts(html, "fr"), names)


def flashed(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_citys_data_and_entry_pages_are_french(cohort: Cohort) -> None:
    city = cohort.geneva
    for who in ("editor", "admin"):
        client = french(cohort.users[who])
        html = client.get(reverse("indicators:city_data", args=[city.pk]) + "?year=2021")
        page = html.content.decode()
        assert html.status_code == 200
        assert not english_left(page, cohort), (who, english_left(page, cohort))
        assert "Déclarée par la ville" in page or "Vérifiée" in page, "status labels in French"
    editor = french(cohort.users["editor"])
    page = editor.get(reverse("indicators:entry", args=[city.pk]) + "?year=2021").content.decode()
    assert not english_left(page, cohort), english_left(page, cohort)


def test_the_upload_check_and_its_messages_are_french(cohort: Cohort) -> None:
    editor = french(cohort.users["editor"])
    upload = SimpleUploadedFile("geneva.csv", UPLOAD.encode(), content_type="text/csv")
    editor.post(reverse("indicators:upload"), {"file": upload})
    sub = Submission.objects.order_by("-pk").first()
    assert sub is not None
    url = reverse("indicators:submission", args=[sub.pk])
    page = editor.get(url).content.decode()
    assert not english_left(page, cohort), english_left(page, cohort)
    refused = editor.post(url, {"action": "commit"})
    messages = flashed(refused)
    assert messages, "a refused commit says why"
    with translation.override("fr"):
        assert not english_in(messages, []), messages
    assert "rien n’a été enregistré" in " ".join(messages), messages


def test_the_verification_confirmation_and_its_messages_are_french(cohort: Cohort) -> None:
    city = cohort.geneva
    admin = french(cohort.users["admin"])
    url = reverse("indicators:city_data", args=[city.pk])
    nothing = admin.post(url, {"year": 2021, "action": "verify"})
    with translation.override("fr"):
        assert not english_in(flashed(nothing), []), flashed(nothing)
    values = list(KpiValue.objects.filter(city=city, year=2021).exclude(status="verified"))
    assert values
    chosen = {"year": 2021, "action": "verify", "value": [v.pk for v in values[:2]]}
    confirm = admin.post(url, chosen)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert not english_left(page, cohort), english_left(page, cohort)
    done = admin.post(url, {**chosen, "confirmed": "yes"})
    messages = flashed(done)
    with translation.override("fr"):
        assert not english_in(messages, []), messages
    assert any("2" in m for m in messages), messages


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_unchanged_entry_form_says_so_in_the_page_language(cohort: Cohort, lang: str) -> None:
    client = french(cohort.users["editor"])
    client.cookies["django_language"] = lang
    url = reverse("indicators:entry", args=[cohort.geneva.pk])
    response = client.post(url, {"year": 2021, "source": ""})
    said = " ".join(flashed(response))
    expected = "No value changed" if lang == "en" else "Aucune valeur"
    assert expected in said, said


#: An upload with one problem of each common kind, its row and column, and what the French
#: page says of it.
BAD = (
    "city,country,year,kpi,data_point,value,unit,source\n"
    "Geneva,CH,2024,XX-NOT-A-KPI,,1,,OFS\n"  # row 2: unknown KPI
    "Geneva,CH,20x4,EC-ICT-ICT-1C,,50,% of households,OFS\n"  # row 3: year
    "Geneva,CH,2024,EC-ICT-ICT-1C,,150,% of households,OFS\n"  # row 4: percentage
    "Geneva,ZZ,2024,EC-ICT-ICT-1C,,50,% of households,OFS\n"  # row 5: country
    "Geneva,CH,2024,EC-ICT-ICT-1C,,abc,% of households,OFS\n"  # row 6: not a number
    "Geneva,CH,2024,EC-ICT-ICT-1C,,50,bananas,OFS\n"  # row 7: unit
    "Geneva,CH,2024,EN-EN-AQ-1C,,18,µg/m³,OFS\n"  # row 8: data point missing
)
FRENCH_PROBLEMS = {
    2: "code d’indicateur inconnu 'XX-NOT-A-KPI'",
    3: "l’année doit être un nombre entier entre",
    4: "un pourcentage doit être compris entre 0 et 100 ; reçu 150",
    5: "pays inconnu 'ZZ'",
    6: "un nombre est attendu ; reçu 'abc'",
    7: "unité inconnue 'bananas'",
    8: "l’indicateur EN-EN-AQ-1C demande un point de donnée",
}


def test_an_uploads_problems_are_in_the_page_language_at_their_row(cohort: Cohort) -> None:
    """The engine's cell checks keep each message as a template and its values: the page and
    its download write them in the reader's language, the command line in English."""
    editor = french(cohort.users["editor"])
    upload = SimpleUploadedFile("bad.csv", BAD.encode(), content_type="text/csv")
    editor.post(reverse("indicators:upload"), {"file": upload})
    sub = Submission.objects.order_by("-pk").first()
    assert sub is not None and sub.errors
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert not english_left(page, cohort), english_left(page, cohort)
    rows = csv_rows(
        editor.get(reverse("indicators:submission-export", args=[sub.pk, "errors", "csv"]))
    )
    by_row: dict[int, list[str]] = {}
    for row in rows:
        by_row.setdefault(int(row["row"]), []).append(row["message"])
    for row, french_text in FRENCH_PROBLEMS.items():
        assert any(french_text in m for m in by_row[row]), (row, by_row.get(row))
        assert french_text.replace("'", "&#x27;") in page or french_text in page, row
    # The same upload read in English says it in English (what the stored message holds).
    editor.cookies["django_language"] = "en"
    english = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert "unknown KPI code" in english and "percentage must be within 0-100" in english
    assert all(p["message"].isascii() for p in sub.errors), "stored in English"


def test_the_registry_and_permission_problems_are_in_the_page_language(cohort: Cohort) -> None:
    """A valid file whose cities are not the editor's or not in the registry: the problems
    the platform adds to the engine's (city matching, permission) in French too."""
    body = (
        "city,country,year,kpi,data_point,value,unit,source\n"
        "Nowhereville,CH,2024,EC-ICT-ICT-1C,,50,% of households,OFS\n"
        "Lyon,FR,2024,EC-ICT-ICT-1C,,50,% of households,INSEE\n"
    )
    editor = french(cohort.users["editor"])
    upload = SimpleUploadedFile("cities.csv", body.encode(), content_type="text/csv")
    editor.post(reverse("indicators:upload"), {"file": upload})
    sub = Submission.objects.order_by("-pk").first()
    assert sub is not None
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert "aucune ville &#x27;Nowhereville&#x27; en CH dans le registre" in page, page[-3000:]
    assert "vous n’êtes pas éditeur de Lyon (FR)" in page
    assert not english_left(page, cohort), english_left(page, cohort)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"country,year,kpi,value\nCH,2024,EC-ICT-ICT-1C,50\n", "colonne(s) manquante(s)"),
        (
            b"city,country,year,kpi\nGeneva,CH,2024,EC-ICT-ICT-1C\n",
            "la colonne &#x27;kpi&#x27; n’est ni city/country/geonames_id/year ni un code",
        ),
        (b"city,country,year\nGeneva,CH,2024\n", "le tableau ne contient aucune valeur"),
        (
            "city,country,year,kpi,value\nGenève,CH,2024,EC-ICT-ICT-1C,50\n".encode("latin-1"),
            "n’est pas du texte UTF-8",
        ),
        (
            b"city,country,year,kpi,value\nGeneva,CH,2024,EC-ICT-ICT-1C,50,9\n",
            "cette ligne a 6 champs, plus que les 5 de l’en-tête",
        ),
    ],
    ids=["missing column", "not a KPI column", "no values", "latin-1", "ragged row"],
)
def test_a_files_own_problems_are_in_the_page_language(
    cohort: Cohort, content: bytes, said: str
) -> None:
    """The readers' problems with the file itself (columns, encoding, shape) in French."""
    editor = french(cohort.users["editor"])
    upload = SimpleUploadedFile("file.csv", content, content_type="text/csv")
    editor.post(reverse("indicators:upload"), {"file": upload})
    sub = Submission.objects.order_by("-pk").first()
    assert sub is not None and sub.errors
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert said in page, [p["message"] for p in sub.errors]
    assert not english_left(page, cohort), english_left(page, cohort)


def test_a_refused_file_is_explained_in_the_page_language(cohort: Cohort) -> None:
    """A refusal before anything is read (io.limits: here an .xlsx that is not an Office
    document) in French too."""
    editor = french(cohort.users["editor"])
    upload = SimpleUploadedFile("data.xlsx", b"not a zip archive", content_type="text/plain")
    editor.post(reverse("indicators:upload"), {"file": upload})
    sub = Submission.objects.order_by("-pk").first()
    assert sub is not None and sub.errors
    page = editor.get(reverse("indicators:submission", args=[sub.pk])).content.decode()
    assert "impossible de lire le fichier comme XLSX" in page, [p["message"] for p in sub.errors]
    assert sub.errors[0]["message"].startswith("cannot read the file as XLSX")  # stored English
