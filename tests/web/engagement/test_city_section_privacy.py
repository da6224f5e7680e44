"""A city's page lists the declarations it signed that the reader may see: never a draft's
title to the public, whatever put the signature there (an imported list, the admin)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.engagement.models import Declaration, Signature, SignatureSource

pytestmark = pytest.mark.django_db


def _sign(declaration: Declaration, city: Any) -> None:
    Signature.objects.create(
        declaration=declaration,
        city=city,
        signer_name="Ada Lovelace",
        signer_title="Mayor",
        source=SignatureSource.IMPORTED,
        source_url="https://example.org/list",
    )


def test_a_signed_draft_is_not_on_the_public_city_page(
    draft: Declaration, adopted: Declaration, geneva: Any, users: dict[str, Any]
) -> None:
    _sign(draft, geneva)
    _sign(adopted, geneva)
    public = Client().get(f"/cities/{geneva.pk}/").content.decode()
    assert adopted.title in public
    assert draft.title not in public
    # Geneva takes part in the draft: its editor sees it there.
    editor = Client()
    editor.force_login(users["editor"])
    assert draft.title in editor.get(f"/cities/{geneva.pk}/").content.decode()
