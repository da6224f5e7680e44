"""The rules of multilateral engagement, used by pages, API, commands and tests alike.

One module per noun: :mod:`.roles` (representatives), :mod:`.declarations` (versions,
comments, adoption), :mod:`.signatures` (sign, withdraw, counts, CSV),
:mod:`.recommendations`, :mod:`.calendar` (events, deadlines), :mod:`.commitments` and
:mod:`.signatories` (imports of published lists). This package re-exports their public
names, so callers write ``services.sign(...)``.

Who may do what (the permission matrix, tested in ``tests/web/engagement``):

* **drafting**: the secretariat (administrators) creates a declaration, adds its versions,
  settles comments and adopts it. Editors and current representatives of a *participating*
  city comment on a draft and propose amendments, on behalf of that city only.
* **reading a draft**: the secretariat, analysts, and the editors and representatives of the
  participating cities. An adopted declaration is public.
* **signing**: only a current :class:`~.models.Representative` of city X signs for X, and
  only an adopted declaration that is open for signature. The secretariat grants and revokes
  representatives (nobody grants themselves); an editor role alone does not let one sign.
* **withdrawing**: the city's current representatives, or the secretariat (for instance on a
  city's written request). A withdrawal is recorded on the signature, never deleted.
* **forum recommendations**: the secretariat records status changes; everyone reads them.
* **commitments**: editors of the city and the secretariat record them; everyone reads
  them, and their progress uses only the KPI values the reader may see.
"""

from citydiplomacy.web.engagement.services.calendar import (
    EVENT_FIELDS,
    STAGING_HOST_WORDS,
    cancel_event,
    create_event,
    event_slug,
    event_url_problem,
    is_staging_url,
    upcoming_deadlines,
    upcoming_events,
    update_event,
)
from citydiplomacy.web.engagement.services.commitments import (
    adopted_items,
    assessed,
    commitment_path,
    kpi_observations,
    measure_info,
    off_track,
    progress,
    progress_of,
    record_commitment,
    with_latest_value,
)
from citydiplomacy.web.engagement.services.common import (
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SLUG_LENGTH,
    URL_MAX_LENGTH,
    YEAR_MAX,
    YEAR_MIN,
    AlreadySignedError,
    EngagementError,
    check_length,
    check_url,
    url_problem,
)
from citydiplomacy.web.engagement.services.declarations import (
    add_comment,
    add_version,
    adopt,
    can_draft,
    can_view,
    comment_cities,
    create_declaration,
    declaration_slug,
    merged_text,
    settle_comment,
    signable_cities,
    version_diff,
    visible_declarations,
)
from citydiplomacy.web.engagement.services.recommendations import (
    set_recommendation_status,
)
from citydiplomacy.web.engagement.services.roles import (
    can_see_representatives,
    current_representations,
    grant_representative,
    representation_for,
    revoke_representative,
    user_named,
)
from citydiplomacy.web.engagement.services.signatories import (
    COUNTRY_ALIASES,
    ImportReport,
    ListedSignatory,
    country_code,
    import_signatories,
    read_listed,
)
from citydiplomacy.web.engagement.services.signatures import (
    CSV_COLUMNS,
    SignatureStats,
    can_withdraw,
    csv_cell,
    sign,
    signature_stats,
    signatures_csv,
    signer_full_name,
    withdraw,
)

__all__ = [
    "COUNTRY_ALIASES",
    "CSV_COLUMNS",
    "EVENT_FIELDS",
    "NOTE_MAX_LENGTH",
    "REASON_MAX_LENGTH",
    "SLUG_LENGTH",
    "STAGING_HOST_WORDS",
    "URL_MAX_LENGTH",
    "YEAR_MAX",
    "YEAR_MIN",
    "AlreadySignedError",
    "EngagementError",
    "ImportReport",
    "ListedSignatory",
    "SignatureStats",
    "add_comment",
    "add_version",
    "adopt",
    "adopted_items",
    "assessed",
    "can_draft",
    "can_see_representatives",
    "can_view",
    "can_withdraw",
    "cancel_event",
    "check_length",
    "check_url",
    "comment_cities",
    "commitment_path",
    "country_code",
    "create_declaration",
    "create_event",
    "csv_cell",
    "current_representations",
    "declaration_slug",
    "event_slug",
    "event_url_problem",
    "grant_representative",
    "import_signatories",
    "is_staging_url",
    "kpi_observations",
    "measure_info",
    "merged_text",
    "off_track",
    "progress",
    "progress_of",
    "read_listed",
    "record_commitment",
    "representation_for",
    "revoke_representative",
    "set_recommendation_status",
    "settle_comment",
    "sign",
    "signable_cities",
    "signature_stats",
    "signatures_csv",
    "signer_full_name",
    "upcoming_deadlines",
    "upcoming_events",
    "update_event",
    "url_problem",
    "user_named",
    "version_diff",
    "visible_declarations",
    "with_latest_value",
    "withdraw",
]
