"""Extract the UI strings and keep the `.po` catalogs in step with them.

    python -m sada.web.catalog           # report untranslated strings per language
    python -m sada.web.catalog --update  # add new strings to the .po files (empty msgstr)

The test suite calls `missing_translations()`: a string shown in the UI without
a translation in Arabic, Persian or Chinese fails the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from sada.web.i18n import LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent  # the sada package
SOURCES = [ROOT / "web", ROOT / "dashboards"]
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _domain_pages() -> list[Path]:
    """Other domains' page modules (`sada/<domain>/web.py`) render in the same shell."""
    return sorted(p for p in ROOT.glob("*/web.py") if p.parent.name not in ("web", "dashboards"))


def _inline_templates(path: Path) -> list[tuple[str, int, str | tuple[str, ...]]]:
    """Messages of Jinja templates kept in a module's `_TEMPLATES` dict of strings."""
    import importlib
    import io

    from jinja2.ext import babel_extract

    module_name = "sada." + path.parent.name + ".web"
    try:
        templates = getattr(importlib.import_module(module_name), "_TEMPLATES", {})
    except ImportError:
        return []
    found: list[tuple[str, int, str | tuple[str, ...]]] = []
    for name, source in templates.items():
        for lineno, _func, message, _comments in babel_extract(
            io.BytesIO(source.encode()), list(KEYWORDS), [], OPTIONS["**/templates/**.html"]
        ):
            if isinstance(message, tuple):
                parts = tuple(m for m in message if m)
                message = parts[0] if len(parts) == 1 else parts
            if message:
                found.append((f"{module_name}:_TEMPLATES[{name!r}]", lineno, message))
    return found


def extract_messages() -> Catalog:
    catalog = Catalog(project="Sada", charset="utf-8")
    for page_module in _domain_pages():
        with page_module.open("rb") as handle:
            from babel.messages.extract import extract

            for lineno, message, comments, context in extract(
                "python", handle, keywords=KEYWORDS, strip_comment_tags=True
            ):
                if message:
                    rel = page_module.relative_to(ROOT.parent).as_posix()
                    catalog.add(
                        message, None, [(rel, lineno)], auto_comments=comments, context=context
                    )
        for where, lineno, message in _inline_templates(page_module):
            catalog.add(message, None, [(where, lineno)])
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(source), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if not message or (isinstance(message, str) and not message.strip()):
                continue
            path = (source / filename).relative_to(ROOT.parent).as_posix()
            catalog.add(
                message,
                None,
                [(path, lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def po_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(lang: str) -> Catalog | None:
    path = po_path(lang)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def missing_translations() -> dict[str, list[str]]:
    """Per language, the UI strings that have no (or only a fuzzy) translation."""
    template = extract_messages()
    out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = read_catalog(lang)
        missing = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id) if catalog is not None else None
            strings = found.string if found is not None else None
            ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
            if found is None or not ok or found.fuzzy:
                missing.append(message.id if isinstance(message.id, str) else message.id[0])
        out[lang] = missing
    return out


def update_catalogs() -> None:
    template = extract_messages()
    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = read_catalog(lang) or Catalog(locale=lang, project="Sada", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                width=100,
                omit_header=False,
                ignore_obsolete=True,
                sort_output=False,
            )


def main(argv: list[str]) -> int:
    if "--update" in argv:
        update_catalogs()
    missing = missing_translations()
    for lang, ids in missing.items():
        print(f"{lang}: {len(ids)} untranslated")
        for msgid in ids[:200]:
            print(f"  {msgid!r}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
