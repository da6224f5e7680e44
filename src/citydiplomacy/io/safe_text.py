"""Text cells made safe for spreadsheets: the one guard every CSV and XLSX export goes through.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and some also after a leading tab or carriage
return. A text cell that starts so is written with a leading apostrophe (OWASP's advice
against CSV injection), so that it is shown and never evaluated. Numbers stay numbers: number
cells are not touched, nor is text that is just a number (``-5``, ``+3.2``, ``-1e3``), which a
spreadsheet reads as that number and cannot run.

Use :func:`safe_cell` for rows written with :mod:`csv`, :func:`safe_frame` for a data frame
written with ``to_csv`` or ``to_excel``, and :func:`safe_arrow` for Arrow tables (the score
command's CSV writer).

A carriage return inside a cell is guarded the same way: CSV writers quote a cell that holds
a line feed but not one that holds only a carriage return, and a spreadsheet reading the file
starts a new row there, so what follows a lone carriage return is a cell start like any other
(``Checked\r=cmd|...`` would run). Each carriage return followed by a formula prefix or an
apostrophe gets an apostrophe after it, reversibly.

XML cannot hold some characters (C0 controls but tab and line breaks, lone surrogates, U+FFFE,
U+FFFF), so an XLSX writer refuses a cell with one. No text may be stored with one
(:mod:`citydiplomacy.core.text`), but a cell of older data that holds one is written with
U+FFFD in its place rather than making the whole export fail.

Reading goes the other way (:func:`unguard_cell`, :func:`unguard_columns`): a spreadsheet
does not count the leading apostrophe as part of the cell, so a file exported by the platform
and uploaded again (as CSV, where the apostrophe is kept as a character) must read back as the
text that was exported, or every guarded note would come back changed.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: The same test for Arrow's regex kernel: starts like a formula, or with an apostrophe; or
#: holds a carriage return or a character XML cannot hold (those cells take the Python path).
_NEEDS_A_LOOK = r"^[=+\-@\t\r']|[\r\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
#: A carriage return that starts a "cell" for a reader that breaks rows there.
_CR_BEFORE_FORMULA = re.compile(r"\r(?=[=+\-@\t\r'])")
#: The guard's apostrophe after such a carriage return (for reading back).
_CR_GUARD = re.compile(r"\r'(?=[=+\-@\t\r'])")
#: Characters an XLSX file (XML) cannot hold; lone surrogates cannot reach here as ``str``
#: from any reader, but are matched too.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

T = TypeVar("T")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def safe_cell(value: T) -> T | str:
    """``value`` as a spreadsheet should receive it: text that starts like a formula gets a
    leading ``'``; anything else (numbers, dates, ``None``, other text) is returned as it is.

    Text that already starts with ``'`` gets one more, so that reading it back
    (:func:`unguard_cell`) gives the text exactly: ``'=x`` is written ``''=x``, not ``'=x``,
    which would read back as ``=x``.
    """
    if not isinstance(value, str):
        return value
    text: str = value
    if needs_guard(text) or text.startswith("'"):
        text = "'" + text
    if "\r" in text:
        text = _CR_BEFORE_FORMULA.sub("\r'", text)
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    return value if text == value else text


def unguard_cell(value: T) -> T | str:
    """The inverse of :func:`safe_cell`: text written as ``'`` followed by a formula prefix or
    by another ``'`` loses that first apostrophe; anything else is returned as it is.

    A cell typed by hand as ``'=x`` is read as ``=x``, as a spreadsheet shows it (the leading
    apostrophe marks text there, it is not part of the cell).
    """
    if not isinstance(value, str):
        return value
    text: str = value
    if "\r'" in text:
        text = _CR_GUARD.sub("\r", text)
    if text.startswith("'") and (needs_guard(text[1:]) or text[1:2] == "'"):
        text = text[1:]
    return value if text == value else text


def unguard_columns(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with the text columns among ``names`` read back with :func:`unguard_cell`.

    Categorical columns have only their categories looked at (a few distinct texts for many
    rows); the frame is returned unchanged (the same object) when no cell was guarded.
    """
    changed: dict[str, Any] = {}
    for name in names:
        if name not in frame.columns:
            continue
        column = frame[name]
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = list(dtype.categories)
            plain = [unguard_cell(c) for c in categories]
            if plain == categories:
                continue
            if len(set(plain)) == len(plain):
                changed[name] = column.cat.rename_categories(plain)
            else:  # "'=x" and "=x" both present: they are one text
                changed[name] = pd.Categorical(column.astype(object).map(unguard_cell))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            plain_column = column.map(unguard_cell)
            if not plain_column.equals(column):
                changed[name] = plain_column
    return frame.assign(**changed) if changed else frame


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are made safe with :func:`safe_cell`.

    Only columns that can hold text (object, string, categorical) are looked at; columns of
    numbers, booleans and dates are shared with ``frame`` untouched. Column names are made
    safe too (they become the header row).
    """
    out = frame.copy(deep=False)
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = dtype.categories
            if pd.api.types.is_object_dtype(categories) or pd.api.types.is_string_dtype(categories):
                guarded = [safe_cell(c) for c in categories]
                if guarded != list(categories):
                    # Two categories cannot become one (a guard only adds a prefix), but a
                    # guarded one could equal an existing text: map through values instead.
                    out.isetitem(i, column.astype(object).map(safe_cell).to_numpy(dtype=object))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            out.isetitem(i, column.map(safe_cell).to_numpy(dtype=object))
    out.columns = pd.Index([safe_cell(c) for c in out.columns])
    return out


def safe_arrow(table: pa.Table) -> pa.Table:
    """``table`` with its text columns made safe (the same rule, in Arrow's kernels).

    Dictionary columns have only their dictionary guarded (a few hundred distinct texts for
    millions of rows); other columns are returned as they are.
    """
    columns = []
    changed = False
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            chunks = []
            for chunk in column.chunks:
                dictionary = _guard(chunk.dictionary)
                if dictionary is not chunk.dictionary:
                    changed = True
                    chunk = pa.DictionaryArray.from_arrays(chunk.indices, dictionary)
                chunks.append(chunk)
            columns.append(pa.chunked_array(chunks, type=kind))
        elif _is_text(kind):
            guarded = _guard(column)
            changed = changed or guarded is not column
            columns.append(guarded)
        else:
            columns.append(column)
    names = [str(safe_cell(n)) for n in table.column_names]
    if not changed and names == table.column_names:
        return table
    return pa.table(columns, names=names)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _guard(values: Any) -> Any:
    """Text values (an Arrow array or chunked array) with risky cells prefixed; the same object
    when no cell needs it (the usual case: one scan, no copy)."""
    risky = pc.match_substring_regex(values, _NEEDS_A_LOOK)
    if not pc.any(pc.fill_null(risky, False)).as_py():
        return values
    # Few cells: each is guarded by the one Python rule (the leading apostrophe, carriage
    # returns, characters XML cannot hold), the others are kept as they are.
    kind = values.type  # string or large_string: the result must be of the same type
    guarded = [safe_cell(v) for v in values.to_pylist()]
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([pa.array(guarded, type=kind)], type=kind)
    return pa.array(guarded, type=kind)
