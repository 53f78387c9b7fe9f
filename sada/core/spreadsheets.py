"""CSV and XLSX files that open safely in spreadsheet programs, in any script.

- CSV is UTF-8 with a BOM, so Excel reads Arabic, Persian and Chinese correctly.
- Cells whose text starts like a formula (`=`, `+`, `-`, `@`, tab, CR, LF, or their
  full-width forms) get a leading apostrophe: formula injection is neutralized.
- Control characters that XLSX cannot hold are dropped instead of failing the export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_ILLEGAL_XLSX = {i for i in range(32) if i not in (9, 10, 13)}


def guard_cell(value: Any) -> Any:
    """Neutralize spreadsheet formulas in user text (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """Stream a guarded CSV, one encoded row at a time, the BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard_cell(h) for h in header])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([guard_cell(v) for v in row])
        yield buffer.getvalue().encode("utf-8")


def csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    return b"".join(csv_chunks(header, rows))


def xlsx_bytes(
    header: list[str], rows: Iterable[list[Any]], *, sheet: str = "data", rtl: bool = False
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    if rtl:
        worksheet.sheet_view.rightToLeft = True
    worksheet.append([_xlsx_cell(guard_cell(h)) for h in header])
    for row in rows:
        worksheet.append([_xlsx_cell(guard_cell(v)) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(ch for ch in value if ord(ch) not in _ILLEGAL_XLSX)
    return value


def xlsx_sheets(
    sheets: Iterable[tuple[str, list[Any], Iterable[list[Any]]]], *, rtl: bool = False
) -> bytes:
    """A workbook of several sheets, `(name, header, rows)` each (an empty header writes no
    header row), every cell guarded like `xlsx_bytes`."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, header, rows in sheets:
        worksheet = workbook.create_sheet(name)
        if rtl:
            worksheet.sheet_view.rightToLeft = True
        if header:
            worksheet.append([_xlsx_cell(guard_cell(h)) for h in header])
        for row in rows:
            worksheet.append([_xlsx_cell(guard_cell(v)) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
