"""A serialisable scoring recipe: which method, and for the composite pipeline each step.

A spec is plain data (a mapping, usually from YAML or JSON). It is stored with every result so
that the result can be regenerated from it (:func:`citydiplomacy.core.score.regenerate`).
Every key is documented in ``docs/spec.md``; this module checks them and names the allowed
values in its errors.

Example (the composite min-max / arithmetic pipeline)::

    impute: none
    treat: none
    normalise: {method: minmax, range: [0, 100]}
    weights: equal
    aggregate: {method: arithmetic}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from citydiplomacy.errors import SpecError

METHODS = ("u4ssc", "sdsn", "composite")

#: Allowed methods of each step and the parameters each accepts.
STEP_PARAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "impute": {
        "none": (),
        "mean": (),
        "median": (),
        "group_mean": ("by",),
        "group_median": ("by",),
        "panel_last": (),
        "panel_linear": (),
    },
    "treat": {
        "none": (),
        "winsorise_log": ("skew_threshold", "kurtosis_threshold", "winmax"),
    },
    "normalise": {
        "none": ("global",),
        "minmax": ("range", "global"),
        "zscore": ("mean_sd", "global"),
        "rank": ("global",),
        "prank": ("range", "global"),
        "borda": ("global",),
        "dist2target": ("range", "cap_max", "global"),
        "dist2max": ("range", "global"),
        "goalposts": ("range", "trunc", "global"),
    },
    "weights": {
        "equal": ("values", "by_level"),
        "framework": ("values", "by_level"),
        "pca": ("values", "by_level"),
    },
    "aggregate": {
        "arithmetic": ("coverage", "floor", "by_level"),
        "geometric": ("coverage", "floor", "by_level"),
        "harmonic": ("coverage", "floor", "by_level"),
        "copeland": ("coverage", "floor", "by_level"),
    },
}
DEFAULT_STEPS: dict[str, str] = {
    "impute": "none",
    "treat": "none",
    "normalise": "minmax",
    "weights": "equal",
    "aggregate": "arithmetic",
}
TARGET_KEYS = ("overrides", "top_n", "censor", "min_cohort", "year")


@dataclass(frozen=True)
class Step:
    """One step of the pipeline: a method and its parameters."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A parameter, or ``default``."""
        return self.params.get(key, default)

    def to_data(self) -> str | dict[str, Any]:
        """Plain data: the method alone when there are no parameters."""
        if not self.params:
            return self.method
        return {"method": self.method, **dict(self.params)}


@dataclass(frozen=True)
class TargetSpec:
    """How targets are set where the framework gives none, and user overrides.

    Attributes
    ----------
    overrides
        Measure or KPI code to target value; recorded with source "user override".
    top_n
        Peer target = mean of the best ``top_n`` cities of the cohort (SDSN rule).
    censor
        Percentiles at which cohort values are censored before taking the top ``top_n``.
    min_cohort
        No peer target is derived from fewer reporting cities than this.
    year
        Year of the cohort used for peer targets; ``None`` = the latest year in the data.
    """

    overrides: Mapping[str, float] = field(default_factory=dict)
    top_n: int = 5
    censor: tuple[float, float] = (2.5, 97.5)
    min_cohort: int = 5
    year: int | None = None


@dataclass(frozen=True)
class Spec:
    """A complete scoring recipe."""

    method: str = "composite"
    impute: Step = Step("none")
    treat: Step = Step("none")
    normalise: Step = Step("minmax", {"range": [0.0, 100.0]})
    weights: Step = Step("equal")
    aggregate: Step = Step("arithmetic")
    targets: TargetSpec = TargetSpec()

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None, method: str | None = None) -> Spec:
        """Check and build a spec from plain data.

        Parameters
        ----------
        data
            Mapping with any of the keys ``method, impute, treat, normalise, weights,
            aggregate, targets``; ``None`` gives the defaults.
        method
            Overrides ``data['method']`` (the command line's ``--method``).

        Raises
        ------
        SpecError
            Naming every problem and the allowed values.
        """
        data = dict(data or {})
        if not isinstance(data, dict):
            raise SpecError("a spec must be a mapping of keys to values")
        problems: list[str] = []
        allowed = {"method", "targets", *STEP_PARAMS}
        for key in data:
            if key not in allowed:
                problems.append(f"unknown key {key!r}; allowed keys: {', '.join(sorted(allowed))}")
        chosen = method or str(data.get("method", "composite"))
        if chosen not in METHODS:
            problems.append(f"method {chosen!r} is not one of {', '.join(METHODS)}")
        steps: dict[str, Step] = {}
        for name, methods in STEP_PARAMS.items():
            raw = data.get(name, DEFAULT_STEPS[name])
            step = _parse_step(name, raw, methods, problems)
            if step is not None:
                steps[name] = step
        targets = _parse_targets(data.get("targets", {}), problems)
        if problems:
            raise SpecError("the spec has problem(s):\n" + "\n".join(f"  {p}" for p in problems))
        if "range" not in steps["normalise"].params and steps["normalise"].method in (
            "minmax", "prank", "dist2target", "dist2max", "goalposts"
        ):  # fmt: skip
            steps["normalise"] = Step(
                steps["normalise"].method, {**steps["normalise"].params, "range": [0.0, 100.0]}
            )
        return cls(method=chosen, targets=targets, **steps)

    def to_data(self) -> dict[str, Any]:
        """Plain data that :meth:`from_data` turns back into an equal spec."""
        return {
            "method": self.method,
            "impute": self.impute.to_data(),
            "treat": self.treat.to_data(),
            "normalise": self.normalise.to_data(),
            "weights": self.weights.to_data(),
            "aggregate": self.aggregate.to_data(),
            "targets": {
                "overrides": dict(self.targets.overrides),
                "top_n": self.targets.top_n,
                "censor": list(self.targets.censor),
                "min_cohort": self.targets.min_cohort,
                "year": self.targets.year,
            },
        }


def _parse_step(
    name: str, raw: Any, methods: dict[str, tuple[str, ...]], problems: list[str]
) -> Step | None:
    if isinstance(raw, str):
        method, params = raw, {}
    elif isinstance(raw, Mapping):
        params = dict(raw)
        method = str(params.pop("method", DEFAULT_STEPS[name]))
    else:
        problems.append(f"{name}: expected a method name or a mapping with 'method', got {raw!r}")
        return None
    if method not in methods:
        problems.append(f"{name}: method {method!r} is not one of {', '.join(methods)}")
        return None
    for key in params:
        if key not in methods[method]:
            ok = ", ".join(methods[method]) or "none"
            problems.append(f"{name}: {method} takes no parameter {key!r} (allowed: {ok})")
    _check_params(name, params, problems)
    return Step(method, params)


def _check_params(name: str, params: dict[str, Any], problems: list[str]) -> None:
    for key, value in params.items():
        if key == "range":
            if (
                not isinstance(value, list | tuple)
                or len(value) != 2
                or not all(isinstance(v, int | float) for v in value)
                or value[0] >= value[1]
            ):
                problems.append(f"{name}: range must be two increasing numbers, got {value!r}")
            else:
                params[key] = [float(value[0]), float(value[1])]
        elif key == "mean_sd":
            if (
                not isinstance(value, list | tuple)
                or len(value) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                or value[1] <= 0
            ):
                problems.append(f"{name}: mean_sd must be [mean, sd > 0], got {value!r}")
        elif key == "coverage":
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                problems.append(f"{name}: coverage must be a share between 0 and 1, got {value!r}")
        elif key in ("skew_threshold", "kurtosis_threshold", "floor"):
            if value is not None and not isinstance(value, int | float):
                problems.append(f"{name}: {key} must be a number, got {value!r}")
        elif key == "winmax":
            if not isinstance(value, int) or value < 0:
                problems.append(f"{name}: winmax must be a whole number >= 0, got {value!r}")
        elif key in ("global", "cap_max", "trunc"):
            if not isinstance(value, bool):
                problems.append(f"{name}: {key} must be true or false, got {value!r}")
        elif key == "by" and not isinstance(value, str):
            problems.append(f"{name}: by must name a column such as country, got {value!r}")
        elif key == "values":
            if not isinstance(value, Mapping) or not all(
                isinstance(v, int | float) and v >= 0 for v in value.values()
            ):
                problems.append(f"{name}: values must map codes to weights >= 0, got {value!r}")
        elif key == "by_level":
            allowed = STEP_PARAMS[name]
            if (
                not isinstance(value, Mapping)
                or not all(str(v) in allowed for v in value.values())
                or not all(
                    str(k).lstrip("-").isascii() and str(k).lstrip("-").isdigit() for k in value
                )
            ):
                problems.append(
                    f"{name}: by_level must map levels to one of {', '.join(allowed)}, "
                    f"got {value!r}"
                )
            else:
                params[key] = {int(k): str(v) for k, v in value.items()}


def _parse_targets(raw: Any, problems: list[str]) -> TargetSpec:
    if not isinstance(raw, Mapping):
        problems.append(f"targets: expected a mapping, got {raw!r}")
        return TargetSpec()
    for key in raw:
        if key not in TARGET_KEYS:
            problems.append(f"targets: unknown key {key!r}; allowed: {', '.join(TARGET_KEYS)}")
    overrides = raw.get("overrides", {}) or {}
    if not isinstance(overrides, Mapping) or not all(
        isinstance(v, int | float) for v in overrides.values()
    ):
        problems.append(f"targets: overrides must map codes to numbers, got {overrides!r}")
        overrides = {}
    top_n = raw.get("top_n", 5)
    if not isinstance(top_n, int) or top_n < 1:
        problems.append(f"targets: top_n must be a whole number >= 1, got {top_n!r}")
        top_n = 5
    censor = raw.get("censor", [2.5, 97.5])
    if (
        not isinstance(censor, list | tuple)
        or len(censor) != 2
        or not all(isinstance(c, int | float) for c in censor)
        or not 0 <= censor[0] < censor[1] <= 100
    ):
        problems.append(f"targets: censor must be two percentiles [low, high], got {censor!r}")
        censor = (2.5, 97.5)
    min_cohort = raw.get("min_cohort", 5)
    if not isinstance(min_cohort, int) or min_cohort < 1:
        problems.append(f"targets: min_cohort must be a whole number >= 1, got {min_cohort!r}")
        min_cohort = 5
    year = raw.get("year")
    if year is not None and not isinstance(year, int):
        problems.append(f"targets: year must be a whole number, got {year!r}")
        year = None
    return TargetSpec(
        overrides={str(k): float(v) for k, v in overrides.items()},
        top_n=top_n,
        censor=(float(censor[0]), float(censor[1])),
        min_cohort=min_cohort,
        year=year,
    )
