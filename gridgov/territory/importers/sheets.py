"""Read the sheets of a roster workbook by flexible headers, and write the error report workbook.

Community offices keep rosters by hand, so headers vary: "身份证号" or "身份证号码", "经度（WGS84）",
a required-column star, a title row above the header. A header is normalised (NFKC, no spaces, no
bracketed notes, no stars, lower case) and looked up among the synonyms of each field; the header
row is the first of the top rows that names every required field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

HEADER_SEARCH_ROWS = 10
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
_SPACES_AND_STARS = re.compile(r"[\s*]+")


@dataclass(frozen=True)
class SheetSpec:
    """The fields of one kind of sheet: synonyms of each header, which are required, and sheet names."""

    names: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # Several fields may share a header ("地址" names a building on the buildings sheet); any one will do.
    one_of: tuple[str, ...] = ()


@dataclass
class Row:
    """One data row: its spreadsheet row number, values by field (text), and all cells as written."""

    number: int
    values: dict[str, Any]
    cells: tuple[Any, ...]

    def text(self, name: str) -> str:
        return cell_text(self.values.get(name))


@dataclass
class Sheet:
    """A sheet read against a spec: header cells as written, the column of each field, the data rows."""

    title: str
    header: tuple[Any, ...]
    columns: dict[str, int]
    rows: list[Row] = field(default_factory=list)

    def column_label(self, name: str) -> str:
        """Return the header of the field's column as written in the file."""
        if name in self.columns:
            return cell_text(self.header[self.columns[name]])
        return name


class SheetError(Exception):
    """A workbook or sheet cannot be read; the message is for the user."""


def normalise_header(value: Any) -> str:
    """Return a header in the form synonyms are compared in."""
    text = unicodedata.normalize("NFKC", cell_text(value))
    return _SPACES_AND_STARS.sub("", _BRACKETED.sub("", text)).lower()


def cell_text(value: Any) -> str:
    """Return a cell as text: integral numbers without ".0", dates as ISO dates, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def open_workbook(path: Path) -> Any:
    """Return the workbook (values, not formulas), or raise SheetError."""
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise SheetError(_("Cannot read %(path)s: no such file.") % {"path": path}) from None
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not xlsx
        raise SheetError(
            _("%(path)s is not an Excel .xlsx workbook (%(error)s).")
            % {"path": path, "error": type(exc).__name__}
        ) from None


def find_sheet(workbook: Any, spec: SheetSpec) -> Worksheet | None:
    """Return the sheet whose title is one of the spec's names (or contains one), or None."""
    titles = {normalise_header(title): title for title in workbook.sheetnames}
    for name in spec.names:
        if name in titles:
            return workbook[titles[name]]
    for name in spec.names:
        for normal, title in titles.items():
            if name in normal:
                return workbook[title]
    return None


def read_sheet(worksheet: Worksheet, spec: SheetSpec) -> Sheet:
    """Return the sheet's header and rows, or raise SheetError when no header row names the required fields."""
    rows = worksheet.iter_rows(values_only=True)
    top: list[tuple[Any, ...]] = []
    for cells in rows:
        top.append(tuple(cells))
        columns = _match_header(top[-1], spec)
        if columns is not None:
            sheet = Sheet(worksheet.title, top[-1], columns)
            sheet.rows = list(_data_rows(rows, len(top), columns))
            return sheet
        if len(top) >= HEADER_SEARCH_ROWS:
            break
    wanted = "、".join(spec.synonyms[name][0] for name in (*spec.required, *spec.one_of[:1]))
    raise SheetError(
        _("Sheet “%(sheet)s”: no header row with the columns %(columns)s in the first %(rows)d rows.")
        % {"sheet": worksheet.title, "columns": wanted, "rows": HEADER_SEARCH_ROWS}
    )


def _match_header(cells: tuple[Any, ...], spec: SheetSpec) -> dict[str, int] | None:
    lookup = {synonym: name for name, synonyms in spec.synonyms.items() for synonym in synonyms}
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = lookup.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    if not all(name in columns for name in spec.required):
        return None
    if spec.one_of and not any(name in columns for name in spec.one_of):
        return None
    return columns


def _data_rows(rows: Iterator[tuple[Any, ...]], header_row: int, columns: dict[str, int]) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=header_row + 1):
        if all(cell_text(cell) == "" for cell in cells):
            continue
        values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
        yield Row(number, values, tuple(cells))


def write_error_report(path: Path, sheets: list[tuple[Sheet, dict[int, list[str]]]]) -> None:
    """Write the rows with problems of each sheet, as written, with their row number and the reasons."""
    workbook = Workbook()
    for default in list(workbook.worksheets):
        workbook.remove(default)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for sheet, problems in sheets:
        if not problems:
            continue
        out = workbook.create_sheet(sheet.title[:31])
        out.append([_("Row"), *(cell_text(c) for c in sheet.header), _("Problems")])
        for cell in out[1]:
            cell.font = bold
        for row in sheet.rows:
            if row.number in problems:
                out.append([row.number, *row.cells, "；".join(problems[row.number])])
                out.cell(out.max_row, out.max_column).fill = fill
        out.freeze_panes = "B2"
    if not workbook.sheetnames:
        workbook.create_sheet(_("No problems"))
    workbook.save(path)
