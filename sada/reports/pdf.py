"""Reports as PDF, with fpdf2: HarfBuzz shaping (uharfbuzz) joins Arabic and Persian letters,
the Unicode bidi algorithm lays right-to-left text out, and Chinese has its own font.

Fonts come only from installed Python packages (the same ones the web pages serve, see
`FONTS`); nothing is downloaded and no system font is used. `support(lang)` says whether a
language can be written correctly here; when it cannot (a font package or the shaping engine is
missing), the caller sends the XLSX alone and says why, rather than a PDF with empty boxes or
disconnected letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from sada.reports.document import Report

# (package, file inside it) of each font the PDF uses.
FONTS: dict[str, tuple[str, str]] = {
    "latin": ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    "arabic": ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    "cjk": ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"),
}
# The fonts a language needs (the first is the main one, the others fill in).
NEEDS: dict[str, tuple[str, ...]] = {
    "en": ("latin",),
    "ar": ("arabic", "latin"),
    "fa": ("arabic", "latin"),
    "zh": ("cjk", "latin"),
}
SHAPING: dict[str, tuple[str, str]] = {"ar": ("arab", "ara"), "fa": ("arab", "fas")}
# Paths, links and numbers with a sign or hyphens (dates, signed changes) in right-to-left
# text: each kept as one left-to-right run (Unicode isolates), so /overview?x=1, 2026-09-01
# and -5 do not come out as overview?x=1/, 01-09-2026 and 5-. (Checked by eye on rendered
# pages: dates, ranges and paths inside sentences, signed values alone in table cells; fpdf2
# 2.8 still misplaces a sign of a number in the middle of a right-to-left sentence, which
# reports therefore never write.)
_LTR_RUN = re.compile(r"(?:https?://|/)\S+|[+\-\u2212]?\d+(?:[\-:/.,\u066b\u066c]\d+)*[%\u066a]?")


def _isolate(text: str) -> str:
    def wrap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith(("/", "http")) or any(c in token for c in "+-\u2212"):
            return f"\u2066{token}\u2069"
        return token

    return _LTR_RUN.sub(wrap, text)


@dataclass(frozen=True)
class Support:
    ok: bool
    reason: str = ""  # an English message id (translated where shown), with `package` in it
    package: str = ""

    def text(self, gettext: Callable[[str], str] = str) -> str:
        return gettext(self.reason) % {"package": self.package} if self.reason else ""


def font_path(name: str) -> Path | None:
    package, inner = FONTS[name]
    try:
        module = import_module(package)
    except ImportError:
        return None
    path = Path(module.__file__ or "").parent / inner
    return path if path.is_file() else None


def support(lang: str) -> Support:
    """Whether a PDF in `lang` would be right: the writer, the shaper and every font needed."""
    try:
        import_module("fpdf")
    except ImportError:
        return Support(
            False, "The PDF writer (%(package)s) is not installed on this server.", "fpdf2"
        )
    if lang in SHAPING:
        try:
            import_module("uharfbuzz")
        except ImportError:
            return Support(
                False,
                "The text shaping engine (%(package)s) is not installed on this server, "
                "so Arabic script cannot be joined correctly in a PDF.",
                "uharfbuzz",
            )
    for name in NEEDS.get(lang, ("latin",)):
        if font_path(name) is None:
            return Support(
                False,
                "The font package %(package)s is not installed on this server.",
                FONTS[name][0],
            )
    return Support(True)


def render(report: Report) -> bytes:
    """The report as PDF bytes (A4 portrait); call only when `support(report.lang).ok`."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = NEEDS.get(report.lang, ("latin",))
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creator("Sada")
    pdf.set_title(report.title)
    pdf.set_lang(report.lang)
    for name in fonts:
        path = font_path(name)
        assert path is not None, name
        # The variable fonts' default instances are used as they are: making a regular
        # instance of the Chinese font takes fontTools most of a minute per process.
        pdf.add_font(name, fname=str(path))
    main, rest = fonts[0], list(fonts[1:])
    if rest:
        pdf.set_fallback_fonts(rest, exact_match=False)
    script, language = SHAPING.get(report.lang, (None, None))
    pdf.set_text_shaping(
        use_shaping_engine=True,
        direction="rtl" if report.rtl else "ltr",
        script=script,
        language=language,
    )
    align = "R" if report.rtl else "L"
    fix = _isolate if report.rtl else (lambda text: text)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(main, size=18)
    pdf.multi_cell(0, 10, fix(report.title), align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(main, size=10)
    for line in report.lines:
        pdf.multi_cell(0, 6, fix(line), align=align, new_x="LMARGIN", new_y="NEXT")
    for table in report.tables:
        pdf.ln(4)
        pdf.set_font(main, size=13)
        pdf.multi_cell(0, 8, fix(table.title), align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(main, size=9)
        header = [fix(str(h)) for h in table.header]
        rows = [[fix("" if v is None else str(v)) for v in row] for row in table.rows]
        if report.rtl:  # the first column on the right
            header = header[::-1]
            rows = [row[::-1] for row in rows]
        heading = FontFace(emphasis="NONE", fill_color=(232, 236, 242))
        with pdf.table(
            text_align=align, headings_style=heading, line_height=6, first_row_as_headings=True
        ) as grid:
            cells = grid.row()
            for h in header:
                cells.cell(str(h))
            for row in rows:
                cells = grid.row()
                for value in row:
                    cells.cell(value)
    return bytes(pdf.output())
