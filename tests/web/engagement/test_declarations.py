"""Declarations: versions and their difference, comments, adoption, signing and withdrawal,
the public page with counts by country and region, the CSV export, and the import of
published signatory lists."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import (
    Declaration,
    DeclarationCommitment,
    SignatoryImport,
    Signature,
    SignatureSource,
)
from tests.web import factories
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


def test_versions_and_their_difference(users: dict[str, Any], draft: Any) -> None:
    services.add_version(
        users["admin"], draft, "We commit to act on air quality now.\nWe report every year.", "now"
    )
    with pytest.raises(services.EngagementError, match="same as the current"):
        services.add_version(users["admin"], draft, draft.current_version().text, "nothing")
    page = Client()
    page.force_login(users["admin"])
    html = page.get(reverse("engagement:versions", args=[draft.slug]) + "?a=1&b=2")
    assert html.status_code == 200
    text = html.content.decode()
    assert "<ins>" in text and "now" in text
    assert "1 words added, 0 words removed" in text
    # any two versions, in either direction
    back = page.get(reverse("engagement:versions", args=[draft.slug]) + "?a=2&b=1").content
    assert b"<del>" in back and b"<ins>" not in back
    bad = page.get(reverse("engagement:versions", args=[draft.slug]) + "?a=1&b=9")
    assert bad.status_code == 400
    assert "Choose two of the versions 1, 2." in bad.content.decode()
    page.cookies["django_language"] = "fr"
    bad = page.get(reverse("engagement:versions", args=[draft.slug]) + "?a=1&b=9")
    assert "Choisissez deux des versions 1, 2." in bad.content.decode()


def test_amendments_must_quote_the_current_text(
    users: dict[str, Any], draft: Any, geneva: Any
) -> None:
    with pytest.raises(services.EngagementError, match="not found in the current version"):
        services.add_comment(
            users["editor"],
            draft,
            geneva,
            kind="amendment",
            text="clearer",
            original="a passage that is not there",
            proposed="new words",
        )
    c = services.add_comment(
        users["editor"],
        draft,
        geneva,
        kind="amendment",
        text="clearer",
        original="We report every year.",
        proposed="We report every year, in public.",
    )
    assert c.version.number == 1
    services.settle_comment(users["admin"], c, "accepted")
    c.refresh_from_db()
    assert c.status == "accepted"


def test_adoption_freezes_the_text(users: dict[str, Any], draft: Any) -> None:
    services.adopt(users["admin"], draft)
    draft.refresh_from_db()
    assert draft.status == "adopted" and draft.adopted_on is not None
    with pytest.raises(services.EngagementError, match="adopted"):
        services.add_version(users["admin"], draft, "changed", "too late")
    with pytest.raises(services.EngagementError, match="already adopted"):
        services.adopt(users["admin"], draft)


def test_one_live_signature_per_city(reps: dict[str, Any], adopted: Any, geneva: Any) -> None:
    s = services.sign(reps["geneva"].user, adopted, geneva)
    with pytest.raises(services.AlreadySignedError):
        services.sign(reps["geneva"].user, adopted, geneva)
    # the database itself refuses a duplicate, whatever the code does
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            declaration=adopted,
            city=geneva,
            signer=reps["geneva"].user,
            signer_name="x",
            signer_title="y",
            source=SignatureSource.PLATFORM,
        )
    # after a withdrawal the city may sign again; the withdrawn signature stays
    services.withdraw(reps["geneva"].user, s, "signed by mistake")
    again = services.sign(reps["geneva"].user, adopted, geneva)
    assert Signature.objects.filter(declaration=adopted, city=geneva).count() == 2
    assert again.withdrawn_at is None
    with pytest.raises(services.EngagementError, match="already withdrawn"):
        services.withdraw(reps["geneva"].user, Signature.objects.get(pk=s.pk), "twice")
    with pytest.raises(services.EngagementError, match="reason"):
        services.withdraw(reps["geneva"].user, again, "   ")


def test_platform_signatures_need_a_city_and_a_signer(adopted: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            declaration=adopted, signer_name="x", signer_title="y", source="platform"
        )


def test_public_page_counts_and_verification(
    users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any, lyon: Any
) -> None:
    services.sign(reps["geneva"].user, adopted, geneva)
    s = services.sign(reps["lyon"].user, adopted, lyon)
    services.withdraw(users["admin"], s, "council vote")
    bonn = factories.city("Bonn", "DE")
    Signature.objects.create(
        declaration=adopted,
        city=bonn,
        country_id="DE",
        signer_name="Katja Dörner",
        signer_title="Mayor of Bonn",
        source=SignatureSource.IMPORTED,
        source_name="a published list",
        source_url="https://example.org/list",
        signed_at=None,
    )
    stats = services.signature_stats(adopted)
    assert (stats.total, stats.on_platform, stats.imported, stats.withdrawn) == (2, 1, 1, 1)
    assert {r["name"]: r["n"] for r in stats.by_country} == {"Switzerland": 1, "Germany": 1}
    page = Client().get(reverse("engagement:declaration", args=[adopted.slug])).content.decode()
    assert "Signed by an authorised representative on the platform" in page
    assert "Imported from a published list, verified against the published list" in page
    assert "Ada Genevois" in page and "Katja Dörner" in page
    assert "council vote" in page  # withdrawn, and shown as such
    rows = list(csv.DictReader(io.StringIO(services.signatures_csv(adopted))))
    assert len(rows) == 3
    assert {r["city"] for r in rows} == {"Geneva", "Lyon", "Bonn"}
    withdrawn = next(r for r in rows if r["city"] == "Lyon")
    assert withdrawn["withdrawal_reason"] == "council vote" and withdrawn["withdrawn_at"]
    response = Client().get(reverse("engagement:signatures-csv", args=[adopted.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == ",".join(services.CSV_COLUMNS)


def test_the_sign_form_is_shown_to_representatives_only(
    reps: dict[str, Any], users: dict[str, Any], adopted: Any
) -> None:
    url = reverse("engagement:declaration", args=[adopted.slug])
    assert "Sign this declaration" in client_for(reps["geneva"].user).get(url).content.decode()
    assert "Sign this declaration" not in client_for(users["editor"]).get(url).content.decode()


def test_public_page_paginates(reps: dict[str, Any], adopted: Any) -> None:
    Signature.objects.bulk_create(
        Signature(
            declaration=adopted,
            signer_name=f"Signer {i:03d}",
            signer_title="Mayor",
            source=SignatureSource.IMPORTED,
            listed_place=f"Town {i}",
        )
        for i in range(120)
    )
    client = Client()
    url = reverse("engagement:declaration", args=[adopted.slug])
    first = client.get(url).content.decode()
    assert "Signer 000" in first and "Signer 050" not in first
    assert "Page 1 of 3" in first
    third = client.get(url + "?page=3").content.decode()
    assert "Signer 119" in third and "Signer 000" not in third


GPM_CSV = """city_name,country,wikidata_id,mayor_name,mayor_title
Geneva,Switzerland,Q71,Sami Kanaan,Mayor of Geneva
Genf,Switzerland,,Someone Else,Deputy Mayor of Geneva
Lyon,France,Q456,Grégory Doucet,Mayor of Lyon
Athens,USA,Q755425,Steve Patterson,Mayor of Athens
Atlantis,Atlantis,,Nobody,Mayor of Atlantis
Smallville,France,,Clark Kent,Mayor of Smallville
"""


def test_import_matches_and_reports(geneva: Any, lyon: Any) -> None:
    factories.city("Athens", "US", population=100_000)
    factories.city("Athens", "US", population=30_000)
    decl = Declaration.objects.create(slug="gpm", title="GPM", status="adopted")
    entries = services.read_listed("list.csv", GPM_CSV)
    report = services.import_signatories(
        decl,
        entries,
        source_name="the GPM list",
        source_url="https://example.org/gpm.pdf",
        file_name="list.csv",
        signed_at=None,
    )
    assert (report.rows, report.matched) == (6, 2)
    # the import record keeps every unmatched entry with its reason in full
    stored = SignatoryImport.objects.get(declaration=decl)
    assert (stored.n_rows, stored.n_matched) == (6, 2)
    reasons = {u["name"]: u["reason"] for u in stored.unmatched}
    assert "already has a signature" in reasons["Someone Else"]  # one signature per city
    assert "matches 2 registry cities" in reasons["Steve Patterson"]
    assert "country 'Atlantis' not recognised" in reasons["Nobody"]
    assert "no city named 'Smallville' in FR" in reasons["Clark Kent"]
    assert len(report.unmatched) == 4
    signatures = Signature.objects.filter(declaration=decl)
    assert signatures.count() == 6  # every listed signatory is kept, matched or not
    assert signatures.get(signer_name="Sami Kanaan").city == geneva
    assert signatures.get(signer_name="Clark Kent").country_id == "FR"
    assert "row 6: Nobody (Atlantis)" in "\n".join(report.lines())
    with pytest.raises(services.EngagementError, match="already been imported"):
        services.import_signatories(
            decl,
            entries,
            source_name="again",
            source_url="https://example.org/gpm.pdf",
            file_name="list.csv",
            signed_at=None,
        )


def test_a_city_named_by_its_own_name_wins_over_an_alternate_name(geneva: Any) -> None:
    """'Genf' (an alternate name) listed first must not take Geneva from 'Geneva'."""
    decl = Declaration.objects.create(slug="d", title="D", status="adopted")
    text = (
        "city_name,country,wikidata_id,mayor_name,mayor_title\n"
        "Genf,Switzerland,,First Listed,Deputy\nGeneva,Switzerland,,Second Listed,Mayor\n"
    )
    services.import_signatories(
        decl,
        services.read_listed("l.csv", text),
        source_name="s",
        source_url="https://example.org/l",
        file_name="l.csv",
        signed_at=None,
    )
    assert Signature.objects.get(city=geneva).signer_name == "Second Listed"


def test_bad_lists_report_every_problem_with_its_place() -> None:
    with pytest.raises(services.EngagementError) as err:
        services.read_listed(
            "bad.csv",
            "city_name,country,wikidata_id,mayor_name,mayor_title\n"
            "Geneva,Switzerland,,,Mayor\nLyon,France\n",
        )
    assert str(err.value).splitlines() == [
        "bad.csv:2:4: expected the signatory's name",
        "bad.csv:3:3: expected 5 columns, found 2",
    ]
    with pytest.raises(services.EngagementError, match=r"bad.csv:1:1: expected the columns"):
        services.read_listed("bad.csv", "name,place\n")
    with pytest.raises(services.EngagementError, match=r"bad.json:1:2: expected JSON"):
        services.read_listed("bad.json", "[,")
    with pytest.raises(
        services.EngagementError,
        match=r"v.json:1:2: item 1 \(\[0\]\), field vote: expected 'Sign', found \"Against\"",
    ):
        services.read_listed("v.json", '[{"vote": "Against", "author": {"name": "X"}}]')


def test_packaged_lists_import_once(geneva: Any, lyon: Any) -> None:
    seed.seed_events()
    assert seed.seed_declarations() == 3
    reports, skipped = seed.import_listed()
    assert [r.into for r in reports] == [
        "gpm-global-declaration-of-mayors-for-democracy",
        "eurocities-mayors-support-imamoglu",
    ]
    gpm, euro = reports
    assert gpm.rows == 252 and euro.rows == 85
    # only Geneva and Lyon exist in this test registry; the rest is reported
    assert len(gpm.unmatched) == gpm.rows - gpm.matched
    assert Signature.objects.count() == 252 + 85
    again, skipped = seed.import_listed()
    assert again == [] and len(skipped) == 2
    assert Signature.objects.count() == 252 + 85


def test_geneva_declaration_is_seeded_with_its_commitments() -> None:
    seed.seed_events()
    seed.seed_declarations()
    seed.seed_declarations()  # idempotent
    d = Declaration.objects.get(slug="geneva-declaration-of-mayors-2020")
    assert str(d.adopted_on) == "2020-10-06"
    assert d.event is not None and d.event.slug == "unece-forum-of-mayors-2020"
    items = list(DeclarationCommitment.objects.filter(declaration=d).values_list("text", flat=True))
    assert len(items) == 7
    assert items[1] == "Take ambitious climate action"
    assert all(
        c.source_url.startswith("https://")
        for c in DeclarationCommitment.objects.filter(declaration=d)
    )
    assert d.versions.count() == 1


def test_secretariat_creates_a_draft_from_the_page(users: dict[str, Any], geneva: Any) -> None:
    client = client_for(users["admin"])
    url = reverse("engagement:declaration-new")
    bad = client.post(url, {"title": "", "text": "x", "kind": "declaration", "cities_text": "a"})
    assert bad.status_code == 400
    assert "Give the declaration a title." in bad.content.decode()
    assert "Participating cities: " in bad.content.decode()  # the city picker (by name)
    response = client.post(
        url,
        {
            "title": "Cities for water",
            "kind": "joint_statement",
            "summary": "s",
            "text": "We protect water.",
            "cities_text": str(geneva.pk),
        },
    )
    assert response.status_code == 302
    d = Declaration.objects.get(slug="cities-for-water")
    assert d.is_draft and list(d.participants.all()) == [geneva]
    assert d.current_version() is not None and d.created_by == users["admin"]
    text = client.get(reverse("engagement:version-text", args=[d.slug, 1]))
    assert text.content.decode() == "We protect water."
    again = client.post(url, {"title": "Cities for water", "text": "y", "kind": "declaration"})
    assert again.status_code == 400 and "exists already" in again.content.decode()


def test_an_accepted_amendment_is_written_into_a_new_version(
    users: dict[str, Any], draft: Any, geneva: Any
) -> None:
    amend = services.add_comment(
        users["editor"],
        draft,
        geneva,
        kind="amendment",
        text="say who sees the report",
        original="We report every year.",
        proposed="We report every year, in public.",
    )
    secretariat = client_for(users["admin"])
    response = secretariat.post(
        reverse("engagement:comment-settle", args=[draft.slug, amend.pk]), {"status": "accepted"}
    )
    assert response.status_code == 302
    v2 = draft.current_version()
    assert v2.number == 2
    assert v2.text == "We commit to act on air quality.\nWe report every year, in public."
    assert v2.note == f"Amendment by Geneva accepted (comment {amend.pk})"
    assert v2.created_by == users["admin"]
    page = secretariat.get(draft.get_absolute_url())
    assert "Amendment accepted and written into version 2." in page.content.decode()


def test_amendments_that_cannot_be_merged_safely_are_left_to_the_secretariat(
    users: dict[str, Any], draft: Any, geneva: Any
) -> None:
    addition = services.add_comment(
        users["editor"], draft, geneva, kind="amendment", text="add", proposed="We share data."
    )
    stale = services.add_comment(
        users["editor"],
        draft,
        geneva,
        kind="amendment",
        text="stronger",
        original="We commit to act on air quality.",
        proposed="We commit to clean air by 2030.",
    )
    rejected = services.add_comment(
        users["editor"],
        draft,
        geneva,
        kind="amendment",
        text="weaker",
        original="We report every year.",
        proposed="We report when we can.",
    )
    # An addition (no passage to replace) becomes a new last paragraph.
    v2 = services.settle_comment(users["admin"], addition, "accepted")
    assert v2 is not None and v2.text.endswith("We report every year.\nWe share data.")
    # The secretariat rewrites the passage meanwhile: the later acceptance cannot merge.
    services.add_version(users["admin"], draft, "We act on air.\nWe report every year.", "v3")
    assert services.settle_comment(users["admin"], stale, "accepted") is None
    stale.refresh_from_db()
    assert stale.status == "accepted"
    assert draft.current_version().number == 3
    # Turning an amendment down writes nothing.
    assert services.settle_comment(users["admin"], rejected, "rejected") is None
    assert draft.current_version().number == 3


def test_merged_text_replaces_a_passage_found_exactly_once() -> None:
    assert services.merged_text("a b a", "b", "c") == "a c a"
    assert services.merged_text("a b a", "a", "c") is None  # twice: ambiguous
    assert services.merged_text("a b", "z", "c") is None  # absent
    assert services.merged_text("a\n", "", "new") == "a\nnew"
