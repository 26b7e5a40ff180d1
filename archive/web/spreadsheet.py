"""The results as an Excel workbook (.xlsx), written by openpyxl: the CSV's columns, typed.

A full date is a date cell (a partial one, `2019-03` or `2019`, stays text: a day would be
invented), numbers are numbers, lists are joined with ' ; ' as in the CSV. Every text is a
string cell, never a formula: openpyxl would otherwise store `=HYPERLINK(…)` as one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..search import records
from ..search.request import Hit

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SEP = " ; "
CELL_MAX = 32_767  # characters Excel holds in one cell
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WIDTHS = {"title": 60, "snippet": 80, "url": 40, "permalink": 40, "organisations": 40}


def _cell(sheet, value: object, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, list):
        value = LIST_SEP.join(str(v) for v in value)
    if isinstance(value, str) and _FULL_DATE.fullmatch(value):
        try:
            cell = WriteOnlyCell(sheet, value=dt.date.fromisoformat(value))
            cell.number_format = "yyyy-mm-dd"
            return cell
        except ValueError:
            pass
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_MAX]
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # text, even when it starts with = (never a formula)
    else:
        cell = WriteOnlyCell(sheet, value=value)  # None, int, float: as they are
    if bold:
        cell.font = Font(bold=True)
    return cell


def workbook_bytes(hits: Iterator[Hit], permalink: Callable[[str], str],
                   sheet_title: str = "archive") -> bytes:
    """An .xlsx file of the hits: a header row, then one row per article."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    header = records.fields(records.EXPORT)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header):
        letter = chr(ord("A") + index) if index < 26 else None
        if letter and name in WIDTHS:
            sheet.column_dimensions[letter].width = WIDTHS[name]
    sheet.append([_cell(sheet, name, bold=True) for name in header])
    for hit in hits:
        row = records.record(hit, header, permalink(hit.id))
        sheet.append([_cell(sheet, row[name]) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
