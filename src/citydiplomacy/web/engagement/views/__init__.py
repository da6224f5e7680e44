"""Pages of the engagement app, one module per noun. Thin: the rules live in
:mod:`..services`. This package re-exports the views (``urls.py`` names them here)."""

from citydiplomacy.web.engagement.views.calendar import (
    _feed,
    calendar_all,
    calendar_city,
    calendar_tag,
    event_archive,
    event_cancel,
    event_detail,
    event_edit,
    event_list,
    event_new,
)
from citydiplomacy.web.engagement.views.commitments import (
    COMMITMENT_PAGE_SIZE,
    commitment_detail,
    commitment_list,
    commitment_new,
)
from citydiplomacy.web.engagement.views.common import (
    _id,
    _int,
)
from citydiplomacy.web.engagement.views.declarations import (
    PAGE_SIZE,
    adopt,
    comment,
    comment_settle,
    declaration_detail,
    declaration_list,
    declaration_new,
    version_new,
    version_text,
    versions,
)
from citydiplomacy.web.engagement.views.exports import (
    commitments_export,
    declarations_export,
    events_archive_export,
    events_export,
    recommendations_export,
    sessions_export,
    signatories_export,
)
from citydiplomacy.web.engagement.views.recommendations import (
    recommendation_status,
    session_detail,
    session_list,
)
from citydiplomacy.web.engagement.views.roles import (
    representative_revoke,
    representatives,
    representatives_export,
)
from citydiplomacy.web.engagement.views.signatures import (
    sign,
    signatures_csv,
    withdraw,
)
from citydiplomacy.web.engagement.views.table_exports import (
    commitment_values_export,
    signatures_by_country_export,
    signatures_by_region_export,
    versions_export,
    withdrawn_signatures_export,
)

__all__ = [
    "COMMITMENT_PAGE_SIZE",
    "PAGE_SIZE",
    "_feed",
    "_id",
    "_int",
    "adopt",
    "calendar_all",
    "calendar_city",
    "calendar_tag",
    "comment",
    "comment_settle",
    "commitment_detail",
    "commitment_list",
    "commitment_new",
    "commitment_values_export",
    "commitments_export",
    "declaration_detail",
    "declaration_list",
    "declaration_new",
    "declarations_export",
    "event_archive",
    "event_cancel",
    "event_detail",
    "event_edit",
    "event_list",
    "event_new",
    "events_archive_export",
    "events_export",
    "recommendation_status",
    "recommendations_export",
    "representative_revoke",
    "representatives",
    "representatives_export",
    "session_detail",
    "session_list",
    "sessions_export",
    "sign",
    "signatories_export",
    "signatures_by_country_export",
    "signatures_by_region_export",
    "signatures_csv",
    "version_new",
    "version_text",
    "versions",
    "versions_export",
    "withdraw",
    "withdrawn_signatures_export",
]
