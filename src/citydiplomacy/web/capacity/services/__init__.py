"""The capacity module's work, one module per noun; views, the API, the demo and the tests call
them through this package:

* :mod:`.framework_store`: the competency framework in the database (versions, imports,
  exports, CASE);
* :mod:`.assessments`: ratings (self and second) and the rating arrays of a group;
* :mod:`.reports`: gaps and plans of a person, aggregates of a city, heat maps of a cohort;
* :mod:`.surveys`: the office survey and the published figures;
* :mod:`.programmes`: programmes, sessions, attendance, mentoring, joint statement, feed,
  certificates;
* :mod:`.exchange`: imports and exports of a cohort's responses and aggregates;
* :mod:`.module_catalogue`: the catalogue of training modules.

The maths is in :mod:`citydiplomacy.core.capacity`.
"""

from citydiplomacy.web.capacity.services.assessments import (
    rating_arrays,
    save_assessment,
    targets_of,
)
from citydiplomacy.web.capacity.services.base import (
    DEFAULT_RULE,
    CapacityServiceError,
    _table_bytes,
    csv_text,
)
from citydiplomacy.web.capacity.services.exchange import (
    RESPONSE_COLUMNS,
    cohort_export,
    import_responses,
    responses_export,
)
from citydiplomacy.web.capacity.services.framework_store import (
    competencies,
    current_framework,
    framework_case,
    framework_export,
    framework_in,
    framework_of,
    import_framework,
    install_framework,
)
from citydiplomacy.web.capacity.services.programmes import (
    add_session,
    certificate_context,
    create_programme,
    draft_statement,
    pair_mentors,
    programme_people,
    record_attendance,
    sessions_ics,
    set_completed,
    visible_programmes,
)
from citydiplomacy.web.capacity.services.reports import (
    CohortReport,
    GroupReport,
    PersonReport,
    catalogue,
    city_people,
    cohort_report,
    group_report,
    person_report,
)
from citydiplomacy.web.capacity.services.surveys import (
    SURVEY_FIELDS,
    save_survey,
    survey_comparison,
)

__all__ = [
    "DEFAULT_RULE",
    "RESPONSE_COLUMNS",
    "SURVEY_FIELDS",
    "CapacityServiceError",
    "CohortReport",
    "GroupReport",
    "PersonReport",
    "_table_bytes",
    "add_session",
    "catalogue",
    "certificate_context",
    "city_people",
    "cohort_export",
    "cohort_report",
    "competencies",
    "create_programme",
    "csv_text",
    "current_framework",
    "draft_statement",
    "framework_case",
    "framework_export",
    "framework_in",
    "framework_of",
    "group_report",
    "import_framework",
    "import_responses",
    "install_framework",
    "pair_mentors",
    "person_report",
    "programme_people",
    "rating_arrays",
    "record_attendance",
    "responses_export",
    "save_assessment",
    "save_survey",
    "sessions_ics",
    "set_completed",
    "survey_comparison",
    "targets_of",
    "visible_programmes",
]
