"""``citydiplomacy profile`` and ``profiles`` end to end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.cli import main
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.synthetic import synthetic_long


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic data of 6 cities over two years."""
    path = tmp_path_factory.mktemp("profiles") / "cohort.csv"
    frame = synthetic_long(load_framework("u4ssc"), n_cities=6, years=range(2022, 2024), seed=3)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def first_city(data: Path) -> tuple[str, str]:
    frame = pd.read_csv(data, usecols=["city", "country"])
    return str(frame["city"].iloc[0]), str(frame["country"].iloc[0])


def test_profile_json_to_stdout(data: Path, first_city: tuple[str, str]) -> None:
    city, country = first_city
    code, out, err = run(
        "profile", str(data), "--city", city.upper(), "--country", country, "--format", "json",
        "--runs", "16",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["city"]["name"] == city and report["year"] == 2023
    assert report["robustness"] is not None


def test_profile_html_and_pdf_files(
    data: Path, first_city: tuple[str, str], tmp_path: Path
) -> None:
    city, _ = first_city
    html = tmp_path / "p.html"
    code, _, err = run(
        "profile", str(data), "--city", city, "--year", "2022", "--lang", "fr", "-o", str(html),
        "--runs", "0",
    )  # fmt: skip
    assert code == 0, err
    text = html.read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and city in text and "2022" in text
    assert "Aucune analyse d’incertitude" in text  # --runs 0: no robustness analysis
    pdf = tmp_path / "p.pdf"
    code, _, err = run("profile", str(data), "--city", city, "-o", str(pdf), "--runs", "0")
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert city in out and "Recommendations" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--city", "Atlantis"], "no city 'Atlantis'"),
        (["--city", "{city}", "--country", "ZZ"], "in ZZ"),
        (["--city", "{city}", "--format", "pdf"], "--format pdf needs -o FILE"),
        (["--city", "{city}", "--lang", "xx"], "'xx' has no catalogue"),
        (["--city", "{city}", "--year", "1999"], "1999"),
    ],
)
def test_profile_errors(
    data: Path, first_city: tuple[str, str], args: list[str], message: str
) -> None:
    args = [a.replace("{city}", first_city[0]) for a in args]
    code, _, err = run("profile", str(data), *args, "--runs", "0")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_profile_ambiguous_city(data: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(data)
    twin = frame[frame["city"] == frame["city"].iloc[0]].copy()
    twin["country"] = "XK" if twin["country"].iloc[0] != "XK" else "AD"
    twin["geonames_id"] = pd.NA
    both = tmp_path / "twins.csv"
    pd.concat([frame, twin]).to_csv(both, index=False)
    code, _, err = run("profile", str(both), "--city", str(frame["city"].iloc[0]), "--runs", "0")
    assert code == 2 and "matches 2 cities" in err and "add --country" in err
    # Each candidate with what picks it alone (the second has no GeoNames id: its key).
    assert "Shanghai (XK, no GeoNames id): --city 'shanghai|XK'" in err


def test_profiles_writes_one_file_per_city(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = run(
        "profiles", str(data), "--format", "html", "--out-dir", str(out), "--runs", "0",
        "--jobs", "1",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(out.glob("*.html"))
    assert len(files) == 6
    assert all(f.name.endswith("-2023.html") for f in files)
    assert "wrote 6 profile(s)" in err


def test_profiles_of_a_city_with_a_very_long_name(data: Path, tmp_path: Path) -> None:
    """A 248-character name without a GeoNames id stopped the cohort ("File name too long")."""
    frame = pd.read_csv(data)
    first = frame["city"].iloc[0]
    long_name = "Very Long Municipality " * 10 + "x" * 18
    frame.loc[frame["city"] == first, "city"] = long_name
    if "geonames_id" in frame:
        frame.loc[frame["city"] == long_name, "geonames_id"] = pd.NA
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    code, _, err = run(
        "profiles", str(path), "--format", "json", "--out-dir", str(out), "--runs", "0",
        "--jobs", "1",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(out.glob("*.json"))
    assert len(files) == 6
    assert max(len(f.name.encode()) for f in files) < 255


def test_profiles_pdf_share_one_browser(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cohort is printed by one browser, ``--jobs`` documents at a time."""
    from citydiplomacy.reports import pdf

    printers: list[pdf.PdfPrinter] = []
    original = pdf.PdfPrinter.start

    def start(self: pdf.PdfPrinter) -> pdf.PdfPrinter:
        if self not in printers:
            printers.append(self)
        return original(self)

    monkeypatch.setattr(pdf.PdfPrinter, "start", start)
    out = tmp_path / "pdf"
    code, _, err = run(
        "profiles", str(data), "--format", "pdf", "--out-dir", str(out), "--runs", "0",
        "--year", "2022", "--jobs", "2",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(out.glob("*.pdf"))
    assert len(files) == 6 and all(f.read_bytes().startswith(b"%PDF") for f in files)
    assert len({f.read_bytes() for f in files}) == 6
    assert "PDF profiles" in err  # the progress bar's label
    assert len(printers) == 1 and printers[0].pages == 2


def test_pdf_profile_starts_the_browser_before_the_data_are_scored() -> None:
    """``profile`` starts Chromium in the background while it reads and scores the data;
    other formats need no browser."""
    from citydiplomacy.cli_reports import _pdf_printer

    with _pdf_printer("pdf") as printer:
        assert printer is not None
        assert printer._launched is not None  # launching, before anything is printed
        printer.wait_ready()
    with _pdf_printer("html") as printer:
        assert printer is None


def test_profile_without_a_browser_says_what_to_install(
    data: Path, first_city: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYDIPLOMACY_CHROMIUM", "/nonexistent/chromium")
    out = tmp_path / "x.pdf"
    code, _, err = run("profile", str(data), "--city", first_city[0], "--runs", "0", "-o", str(out))
    assert code != 0 and "CITYDIPLOMACY_CHROMIUM" in err and "Traceback" not in err
    assert not out.exists()


def test_robustness_runs_only_for_the_years_profiles_show() -> None:
    """Each city's latest year, or the one asked for: not every year of the data."""
    from citydiplomacy.cli_reports import latest_years

    long = pd.DataFrame({"unit": ["a", "a", "b", "b", "c"], "year": [2021, 2023, 2022, 2023, 2022]})
    assert latest_years(long) == [2022, 2023]
    assert latest_years(long.iloc[0:0]) == []


#: The cohort's cities renamed to users' own: outside GeoNames (no id), in several scripts,
#: with commas and quotes, and two registry cities of one name in one country.
OWN_CITIES = [
    ("Testville07", "NO", ""),
    ('Москва, "центр"', "RU", ""),
    ("Казань", "RU", ""),
    ("القاهرة", "EG", ""),
    ("Cazombo", "AO", "876482"),
    ("Cazombo", "AO", "2241954"),
]


@pytest.fixture(scope="module")
def own_cities(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.read_csv(data, dtype={"geonames_id": str}, keep_default_na=False)
    originals = list(dict.fromkeys(frame["city"]))
    assert len(originals) == len(OWN_CITIES)
    ident = dict(zip(originals, OWN_CITIES, strict=True))
    frame["country"] = [ident[c][1] for c in frame["city"]]
    frame["geonames_id"] = [ident[c][2] for c in frame["city"]]
    frame["city"] = [ident[c][0] for c in frame["city"]]
    path = tmp_path_factory.mktemp("own") / "own cities.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["score", "--format", "json"],
        ["score", "--method", "composite", "--format", "csv"],
        ["score", "--method", "sdsn", "--format", "table"],
        ["audit"],
        ["audit", "--format", "json"],
        ["sensitivity", "--runs", "16", "--format", "csv"],
        ["profile", "--city", "Testville07", "--format", "json", "--runs", "8"],
        ["profile", "--city", "казань", "--format", "html", "--lang", "fr", "--runs", "0"],
        ["profile", "--city", "876482", "--format", "json", "--runs", "0"],
    ],
)
def test_every_command_works_for_cities_outside_geonames(own_cities: Path, args: list[str]) -> None:
    """The issue's ``Testville07, NO`` (no GeoNames id) and names in any script: every command
    runs (``profile`` died with ``boolean value of NA is ambiguous``)."""
    code, out, err = run(args[0], str(own_cities), *args[1:])
    assert code == 0, err
    assert "Traceback" not in err
    if args[0] == "profile" and "json" in args:
        report = json.loads(out)
        assert report["city"]["name"] in {name for name, _, _ in OWN_CITIES}


def test_two_cities_of_one_name_in_one_country_list_their_ids(own_cities: Path) -> None:
    code, _, err = run("profile", str(own_cities), "--city", "cazombo", "--runs", "0")
    assert code == 2 and "Traceback" not in err
    assert "'cazombo' matches 2 cities; choose one by its GeoNames id or key" in err
    assert "Cazombo (AO, GeoNames id 876482): --city 876482" in err
    assert "Cazombo (AO, GeoNames id 2241954): --city 2241954" in err
    # --country cannot tell them apart, and is not offered.
    code, _, err = run("profile", str(own_cities), "--city", "Cazombo", "--country", "AO")
    assert code == 2 and "add --country" not in err and "--city 2241954" in err


def test_profiles_of_own_cities_in_pdf_and_every_file_kept(
    own_cities: Path, tmp_path: Path
) -> None:
    """Names that leave no ASCII letters (Москва, Казань in one country) and namesakes get a
    file each: none overwrites another."""
    out = tmp_path / "out"
    code, _, err = run(
        "profiles", str(own_cities), "--format", "html", "--out-dir", str(out), "--runs", "0",
        "--lang", "fr",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(out.glob("*.html"))
    assert len(files) == len(OWN_CITIES), [f.name for f in files]
    texts = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "Казань" in texts and "Testville07" in texts
    pdf = tmp_path / "cairo.pdf"
    code, _, err = run(
        "profile", str(own_cities), "--city", "القاهرة", "-o", str(pdf), "--runs", "0"
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")


@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.sampled_from(["NO", "RU", "CN", "fr"])),
        min_size=1,
        max_size=12,
    )
)
def test_profile_file_names_never_collide(cities: list[tuple[str, str]]) -> None:
    """Any names, in any script (which may leave no ASCII letter), give distinct file names."""
    from citydiplomacy.cli_reports import _slug, _unique

    used: set[str] = set()
    names = [
        _unique(f"{_slug(city)}-{_slug(country)}-2023", f"{city.casefold()}|{country}#{i}", used)
        for i, (city, country) in enumerate(cities)
    ]
    assert len(set(names)) == len(names)
    assert all(n.isascii() and "/" not in n and n for n in names)
