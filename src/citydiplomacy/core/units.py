"""Units of KPI values: recognise what a data provider wrote, and convert where it is safe.

KPI units are a small, domain-specific vocabulary ("per 100 000 inhabitants", "% of
households", "kWh/year/capita"), so they are matched by explicit rules rather than a general
physical-units library: a rate per 1,000 inhabitants is the same quantity as one per 100,000
scaled by 100, which no physical-units library knows.

Every framework measure carries a ``unit_key``. :func:`parse_unit` maps free text to
``(unit_key, factor)``; a value in that unit times ``factor`` is in the key's canonical unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from citydiplomacy.errors import Words, gettext_noop, words

#: Canonical unit of each key, as shown to users in messages.
CANONICAL: dict[str, str] = {
    "percent": "%",
    "per_100k": "per 100 000 inhabitants",
    "per_100k_live_births": "per 100 000 live births",
    "km_per_100k": "km per 100 000 inhabitants",
    "ha_per_100k": "hectares per 100 000 inhabitants",
    "m2_per_100k": "m² per 100 000 inhabitants",
    "minutes": "minutes",
    "years": "years",
    "ratio": "ratio",
    "coefficient": "coefficient (0-1)",
    "count": "number",
    "yesno": "yes/no",
    "ug_per_m3": "µg/m³",
    "tco2e_per_capita": "tonnes CO2e per capita",
    "litres_per_capita_day": "litres per capita per day",
    "kwh_per_capita_year": "kWh/year/capita",
    "gj_per_capita_year": "GJ/year/capita",
    "ekwh_per_m2_year": "ekWh/m²/year",
    "interruptions_per_customer": "interruptions per customer per year",
}

_NUMBER_WORDS = {"thousand": 1e3, "million": 1e6, "k": 1e3, "m": 1e6}
_BASE = (
    r"(?P<base>\d[\d\s.,']*\s*(?:k|m|thousand|million)?|thousand|million"
    r"|capita|person|inhabitant|head)"
)
_PEOPLE = r"(?:inhabitants?|population|people|persons?|residents?|capita|head)?"


def _base_number(text: str) -> float:
    """Read ``100 000``, ``100,000``, ``100k``, ``1 million`` or ``capita`` (= 1)."""
    text = text.strip().lower()
    if text in ("capita", "person", "inhabitant", "head"):
        return 1.0
    scale = 1.0
    for word, factor in _NUMBER_WORDS.items():
        if text.endswith(word):
            scale = factor
            text = text[: -len(word)].strip()
            break
    digits = re.sub(r"[\s,.']", "", text)
    return (float(digits) if digits else 1.0) * scale


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    key: str
    factor: Callable[[re.Match[str]], float]


def _const(value: float) -> Callable[[re.Match[str]], float]:
    return lambda _m: value


def _per(base_target: float, scale: float = 1.0) -> Callable[[re.Match[str]], float]:
    return lambda m: scale * base_target / _base_number(m.group("base"))


_RULES: list[_Rule] = [
    _Rule(re.compile(r"^(yes/?no|yes or no|boolean|y/n)$"), "yesno", _const(1.0)),
    _Rule(
        re.compile(r"^(fraction|proportion|share)( \(?0\s*-\s*1\)?)?$"), "percent", _const(100.0)
    ),
    _Rule(re.compile(r"^(%|percent|per ?cent|pct)( .*)?$"), "percent", _const(1.0)),
    _Rule(re.compile(r"^per mille|^‰"), "percent", _const(0.1)),
    _Rule(
        re.compile(rf"^(deaths )?per {_BASE} live births$"),
        "per_100k_live_births",
        _per(1e5),
    ),
    _Rule(re.compile(rf"^km (per|/) ?{_BASE} ?{_PEOPLE}$"), "km_per_100k", _per(1e5)),
    _Rule(re.compile(rf"^m (per|/) ?{_BASE} ?{_PEOPLE}$"), "km_per_100k", _per(1e5, 1e-3)),
    _Rule(
        re.compile(rf"^(ha|hectares?) (per|/) ?{_BASE} ?{_PEOPLE}$"),
        "ha_per_100k",
        _per(1e5),
    ),
    _Rule(
        re.compile(rf"^(km2|km²|square kilometres?) (per|/) ?{_BASE} ?{_PEOPLE}$"),
        "ha_per_100k",
        _per(1e5, 100.0),
    ),
    _Rule(
        re.compile(rf"^(area \()?(m2|m²|square metres?)\)? (per|/) ?{_BASE} ?{_PEOPLE}$"),
        "m2_per_100k",
        _per(1e5),
    ),
    _Rule(
        re.compile(rf"^(?:[a-z]+ ){{0,3}}(per|/) ?{_BASE} ?{_PEOPLE}(?: per year)?$"),
        "per_100k",
        _per(1e5),
    ),
    _Rule(re.compile(r"^(min|mins|minutes?)$"), "minutes", _const(1.0)),
    _Rule(re.compile(r"^(h|hrs?|hours?)$"), "minutes", _const(60.0)),
    _Rule(re.compile(r"^(s|secs?|seconds?)$"), "minutes", _const(1 / 60)),
    _Rule(re.compile(r"^(years?|yrs?)$"), "years", _const(1.0)),
    _Rule(re.compile(r"^(ratio|index)$"), "ratio", _const(1.0)),
    _Rule(
        re.compile(r"^(coefficient|gini|coefficient \(?0\s*-\s*1\)?)$"), "coefficient", _const(1.0)
    ),
    _Rule(re.compile(r"^(gini points|gini \(?0\s*-\s*100\)?)$"), "coefficient", _const(0.01)),
    _Rule(
        re.compile(r"^(µg/m³|µg/m3|ug/m3|ug/m³|micrograms per cubic metre)$"),
        "ug_per_m3",
        _const(1.0),
    ),
    _Rule(re.compile(r"^(mg/m3|mg/m³)$"), "ug_per_m3", _const(1000.0)),
    _Rule(
        re.compile(r"^(t|tonnes?|tons?) ?co2e? ?(per|/) ?capita$"), "tco2e_per_capita", _const(1.0)
    ),
    _Rule(re.compile(r"^kg ?co2e? ?(per|/) ?capita$"), "tco2e_per_capita", _const(1e-3)),
    _Rule(
        re.compile(r"^(l|litres?|liters?) ?(per|/) ?capita ?(per|/) ?day$"),
        "litres_per_capita_day",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^(m3|m³) ?(per|/) ?capita ?(per|/) ?day$"),
        "litres_per_capita_day",
        _const(1e3),
    ),
    _Rule(
        re.compile(r"^kwh ?(/|per) ?(year|yr|a) ?(/|per) ?capita$"),
        "kwh_per_capita_year",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^kwh ?(/|per) ?capita ?(/|per) ?(year|yr|a)$"),
        "kwh_per_capita_year",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^mwh ?(/|per) ?(year|yr|a) ?(/|per) ?capita$"),
        "kwh_per_capita_year",
        _const(1e3),
    ),
    _Rule(
        re.compile(r"^mwh ?(/|per) ?capita ?(/|per) ?(year|yr|a)$"),
        "kwh_per_capita_year",
        _const(1e3),
    ),
    _Rule(
        re.compile(r"^gj ?(/|per) ?(year|yr|a) ?(/|per) ?capita$"),
        "gj_per_capita_year",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^gj ?(/|per) ?capita ?(/|per) ?(year|yr|a)$"),
        "gj_per_capita_year",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^mj ?(/|per) ?(year|yr|a) ?(/|per) ?capita$"),
        "gj_per_capita_year",
        _const(1e-3),
    ),
    _Rule(
        re.compile(r"^e?kwh ?(/|per) ?(m2|m²) ?(/|per) ?(year|yr|a)$"),
        "ekwh_per_m2_year",
        _const(1.0),
    ),
    _Rule(
        re.compile(r"^(number of )?(interruptions|outages)( per customer)?( per year)?$|^saifi$"),
        "interruptions_per_customer",
        _const(1.0),
    ),
    _Rule(re.compile(r"^(number|count|n|#)( of .*)?$"), "count", _const(1.0)),
]

# Energy keys measure the same quantity in different canonical units.
_CROSS_KEY = {
    ("gj_per_capita_year", "kwh_per_capita_year"): 1e9 / 3.6e6,  # 1 GJ = 277.78 kWh
    ("kwh_per_capita_year", "gj_per_capita_year"): 3.6e6 / 1e9,
}


def normalise_unit_text(text: str) -> str:
    """Lower-case, drop inference marks and collapse spaces, for comparisons."""
    text = text.replace("?", "").replace("\u00a0", " ").strip().lower()
    return re.sub(r"\s+", " ", text)


def parse_unit(text: str) -> tuple[str, float] | None:
    """Recognise a unit written by a data provider.

    Parameters
    ----------
    text
        Free text such as ``"per 1,000 inhabitants"`` or ``"MWh/year/capita"``.

    Returns
    -------
    tuple or None
        ``(unit_key, factor)`` such that ``value * factor`` is in the key's canonical unit,
        or ``None`` when the text is not recognised.
    """
    norm = normalise_unit_text(text)
    # A trailing parenthetical is a comment ("minutes (CAIDI)"), tried without it second.
    bare = re.sub(r"\s*\([^()]*\)$", "", norm)
    for rule in _RULES:
        for candidate in dict.fromkeys((norm, bare)):
            m = rule.pattern.match(candidate)
            if m:
                try:
                    return rule.key, rule.factor(m)
                except (ValueError, ZeroDivisionError):
                    return None
    return None


@dataclass(frozen=True)
class UnitCheck:
    """How a given unit relates to the unit a measure expects."""

    ok: bool
    factor: float = 1.0
    message: str = ""
    #: ``message`` as a template and its values, for a reader of another language.
    worded: Words | None = None


def check_unit(given: str, expected_text: str, expected_key: str) -> UnitCheck:
    """Compare a provider's unit with a measure's unit.

    Parameters
    ----------
    given
        What the data says (may be empty: then the measure's unit is assumed).
    expected_text
        The measure's unit as the framework prints it.
    expected_key
        The measure's ``unit_key`` ('' when the framework gives none).

    Returns
    -------
    UnitCheck
        ``ok`` with ``factor`` 1 when the units agree; ``ok`` with another factor and a
        message when a safe conversion applies; not ``ok`` with a message otherwise.
    """
    if not given.strip():
        return UnitCheck(True)
    g = normalise_unit_text(given)
    if g == normalise_unit_text(expected_text):
        return UnitCheck(True)
    parsed = parse_unit(given)
    shown = expected_text or CANONICAL.get(expected_key, expected_key)
    if parsed is None:
        return _worded(
            False,
            1.0,
            words(
                gettext_noop("unknown unit %(given)s; expected %(expected)s or a convertible unit"),
                given=repr(given),
                expected=repr(shown),
            ),
        )
    key, factor = parsed
    if key != expected_key:
        cross = _CROSS_KEY.get((key, expected_key))
        if cross is None:
            return _worded(
                False,
                1.0,
                words(
                    gettext_noop("unit mismatch: expected %(expected)s, got %(given)s"),
                    expected=repr(shown),
                    given=repr(given),
                ),
            )
        factor *= cross
    if abs(factor - 1.0) < 1e-12:
        return UnitCheck(True)
    return _worded(
        True,
        factor,
        words(
            gettext_noop("converted from %(given)s to %(expected)s (x %(factor)s)"),
            given=repr(given),
            expected=repr(shown),
            factor=f"{factor:g}",
        ),
    )


def _worded(ok: bool, factor: float, message: Words) -> UnitCheck:
    return UnitCheck(ok, factor, message.text, message)
