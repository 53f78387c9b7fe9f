"""A report as plain data: a title, a few lines about it, and tables; written to XLSX and PDF.

Both writers take the same `Report`, already translated into the recipient's language, so the
spreadsheet and the PDF of one mail say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sada.core import spreadsheets


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class Report:
    title: str
    lang: str
    rtl: bool
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _sheet_name(title: str, used: set[str]) -> str:
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "data"
    name, n = clean, 2
    while name in used:
        name, n = f"{clean[:25]} {n}", n + 1
    used.add(name)
    return name


def xlsx(report: Report) -> bytes:
    """One sheet per table (right-to-left sheets for Arabic and Persian), every text cell
    through the formula guard of `sada.core.spreadsheets`."""
    used: set[str] = set()
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = [
        (_sheet_name(report.title, used), [], [[line] for line in [report.title, *report.lines]])
    ]
    for table in report.tables:
        sheets.append((_sheet_name(table.title, used), table.header, table.rows))
    return spreadsheets.xlsx_sheets(sheets, rtl=report.rtl)
