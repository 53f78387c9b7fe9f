"""UI strings must reach gettext as literals, or the catalogs never see them.

`_(some_variable)` in a template silently shows English in every language; closed
vocabularies go through `label(kind, value)` (sada/web/labels.py) instead.
"""

from __future__ import annotations

import re
from pathlib import Path

SADA = Path(__file__).resolve().parent.parent / "sada"
# _( or gettext( of a value transformed on the spot (`_(x.replace("_", " "))`, `_(s.title())`):
# such strings can be marked nowhere, so no catalog ever holds them. Message ids passed
# through variables are fine when they are marked with N_ where they are defined.
DYNAMIC = re.compile(
    r"(?<![\w.])(?:_|gettext)\(\s*[\w.\[\]'\"]+\.(?:replace|title|upper|lower|capitalize)\("
)


def _sources() -> list[Path]:
    files = list(SADA.glob("**/templates/**/*.html")) + list(SADA.glob("*/web.py"))
    files += list((SADA / "web").glob("*.py"))
    return sorted(files)


def test_templates_call_gettext_with_literals_only() -> None:
    offenders = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("#") or "def _(" in line or "gettext=" in line:
                continue
            for match in DYNAMIC.finditer(line):
                snippet = line[match.start() : match.start() + 60]
                offenders.append(f"{path.relative_to(SADA)}:{number}: {snippet}")
    assert offenders == [], "gettext called with a non-literal:\n" + "\n".join(offenders)
