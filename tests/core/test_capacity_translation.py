"""The framework's translations: the packaged French one covers every text and says it is
unreviewed; a stale translation (its English changed) is left out; bad tables are refused."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from citydiplomacy.core.capacity.translation import (
    UNREVIEWED,
    Translation,
    translate,
    translation_table,
)
from citydiplomacy.errors import ValidationError
from citydiplomacy.io.capacity import packaged_framework
from citydiplomacy.io.capacity_translations import packaged_translation


def test_packaged_french_covers_every_text_and_is_marked_unreviewed() -> None:
    fw = packaged_framework()
    tr = packaged_translation("fr")
    assert tr is not None
    out = translate(fw, tr)
    assert out.untranslated == ()
    assert set(out.status.values()) == {UNREVIEWED}
    assert out.framework.domain("NEG").name == "Négociation et rédaction"
    assert out.framework.competency("ICL.3").levels[4].startswith("Fixe la politique")
    assert out.level_names[2] == "autonome"
    # Codes, targets and sources are the framework's own.
    assert out.framework.codes == fw.codes and out.framework.roles == fw.roles
    assert out.framework.domain("MLT").sources == fw.domain("MLT").sources
    assert (out.framework.targets("director") == fw.targets("director")).all()
    # Every French label differs from its English one (nothing left untranslated by copy).
    for d in fw.domains:
        assert out.framework.domain(d.code).name != d.name
    for c in fw.competencies:
        assert out.framework.competency(c.code).name != c.name


def test_a_stale_translation_falls_back_to_english() -> None:
    fw = packaged_framework()
    tr = packaged_translation("fr")
    assert tr is not None
    c = fw.competencies[0]
    changed = dataclasses.replace(c, name="A new English name")
    fw2 = dataclasses.replace(fw, competencies=(changed, *fw.competencies[1:]), _index={})
    out = translate(fw2, tr)
    assert out.framework.competency(c.code).name == "A new English name"
    assert out.untranslated == (("competency", c.code, "name"),)
    assert out.framework.competency(c.code).description != c.description  # still French
    # The translator's table shows the row as empty, to be done again.
    table = translation_table(fw2, tr, "fr")
    row = table[(table["code"] == c.code) & (table["field"] == "name")].iloc[0]
    assert row["fr"] == "" and row["en"] == "A new English name"


def test_bad_translation_tables_are_refused_with_locations() -> None:
    good = translation_table(packaged_framework(), packaged_translation("fr"), "fr")
    bad = good.copy()
    bad.loc[0, "kind"] = "region"
    bad.loc[1, "field"] = "level_9"
    bad.loc[2, "fr"] = ""
    bad.loc[3] = bad.loc[4]
    with pytest.raises(ValidationError) as exc:
        Translation.from_table(bad, "fr.csv", "fr")
    where = sorted((p.row, p.column) for p in exc.value.errors)
    assert where == [(2, 1), (3, 3), (4, 5), (6, 2)]
    with pytest.raises(ValidationError, match="missing column 'fr'"):
        Translation.from_table(
            pd.DataFrame(columns=["kind", "code", "field", "en", "status"]), "x", "fr"
        )
