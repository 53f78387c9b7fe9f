"""Extract the UI strings and keep each domain's `.po` catalogs in step with them.

    python -m sada.web.catalog           # report untranslated strings per language
    python -m sada.web.catalog --update  # add new strings to the .po files (msgstr filled from
                                         # another domain's catalog when one has it, else empty)

Every domain owns the strings of its own pages in
`sada/<domain>/translations/<lang>/LC_MESSAGES/messages.po`; the page shell
(`sada/web`, with `sada/dashboards`) owns its own. Where a domain's strings come from:

- the shell and dashboards: every `.py` file and `templates/**.html`;
- any other domain: `web.py`, `web_*.py`, `pages.py`, the `web/` package, the Jinja files under `pages/`,
  and templates kept as strings in a module's `_TEMPLATES` dict.

The test suite calls `missing_translations()`: a string shown in the UI without a translation
in Arabic, Persian or Chinese fails the build.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po, write_po

from sada.web.i18n import LANGUAGES, SADA_DIR, merged_catalog

ROOT = SADA_DIR
SHELL_DOMAINS = {"web": "web", "dashboards": "web"}  # folder -> catalog owner
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]

Found = tuple[str, int, str | tuple[str, ...], list[str], str | None]  # path, line, id, notes, ctx


def _owner(path: Path) -> str:
    folder = path.relative_to(ROOT).parts[0]
    return SHELL_DOMAINS.get(folder, folder)


def _python_messages(path: Path) -> Iterator[Found]:
    rel = path.relative_to(ROOT.parent).as_posix()
    with path.open("rb") as handle:
        for lineno, message, comments, context in extract(
            "python", handle, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if message:
                yield rel, lineno, message, comments, context


def _jinja_messages(directory: Path, pattern: str) -> Iterator[Found]:
    method_map = [(pattern, "jinja2")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(directory),
        method_map,
        options_map={pattern: JINJA_OPTIONS},
        keywords=KEYWORDS,
        strip_comment_tags=True,
    ):
        if message and not (isinstance(message, str) and not message.strip()):
            rel = (directory / filename).relative_to(ROOT.parent).as_posix()
            yield rel, lineno, message, comments, context


def _inline_templates(path: Path) -> Iterator[Found]:
    """Messages of Jinja templates kept in a module's `_TEMPLATES` dict of strings."""
    import importlib
    import io

    from jinja2.ext import babel_extract

    module_name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
    try:
        templates = getattr(importlib.import_module(module_name), "_TEMPLATES", {})
    except ImportError:
        return
    for name, source in templates.items():
        for lineno, _func, message, _comments in babel_extract(
            io.BytesIO(source.encode()), list(KEYWORDS), [], JINJA_OPTIONS
        ):
            if isinstance(message, tuple):
                parts = tuple(m for m in message if m)
                message = parts[0] if len(parts) == 1 else parts
            if message:
                yield f"{module_name}:_TEMPLATES[{name!r}]", lineno, message, [], None


def _ui_python_files(domain_dir: Path) -> list[Path]:
    if domain_dir.name in SHELL_DOMAINS:
        return sorted(domain_dir.rglob("*.py"))
    files = [domain_dir / "web.py", domain_dir / "pages.py", *sorted(domain_dir.glob("web_*.py"))]
    files += sorted((domain_dir / "web").rglob("*.py")) if (domain_dir / "web").is_dir() else []
    return [f for f in files if f.is_file()]


def _domain_messages(domain_dir: Path) -> Iterator[Found]:
    for path in _ui_python_files(domain_dir):
        yield from _python_messages(path)
        yield from _inline_templates(path)
    if domain_dir.name in SHELL_DOMAINS:
        if (domain_dir / "templates").is_dir():
            yield from _jinja_messages(domain_dir / "templates", "**.html")
    elif (domain_dir / "pages").is_dir():
        yield from _jinja_messages(domain_dir / "pages", "**.html")


def extract_messages() -> dict[str, Catalog]:
    """One template catalog per owning domain (only domains that show UI strings)."""
    catalogs: dict[str, Catalog] = {}
    for domain_dir in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for rel, lineno, message, comments, context in _domain_messages(domain_dir):
            owner = _owner(domain_dir / "x")
            catalog = catalogs.setdefault(owner, Catalog(project="Sada", charset="utf-8"))
            catalog.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    return catalogs


def po_path(domain: str, lang: str) -> Path:
    return ROOT / domain / "translations" / lang / "LC_MESSAGES" / "messages.po"


def all_po_paths() -> list[Path]:
    return sorted(ROOT.glob("*/translations/*/LC_MESSAGES/messages.po"))


def read_catalog(domain: str, lang: str) -> Catalog | None:
    path = po_path(domain, lang)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _translated(message: object) -> bool:
    strings = getattr(message, "string", None)
    ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
    return ok and not getattr(message, "fuzzy", False)


def missing_translations() -> dict[str, list[str]]:
    """Per language, the UI strings without a translation in their own domain's catalog."""
    templates = extract_messages()
    out: dict[str, list[str]] = {lang: [] for lang in TRANSLATED}
    for domain, template in templates.items():
        for lang in TRANSLATED:
            catalog = read_catalog(domain, lang)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id) if catalog is not None else None
                if found is None or not _translated(found):
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    out[lang].append(f"{domain}: {msgid}")
    return out


def update_catalogs() -> None:
    """Bring every domain's catalogs in step with its pages; reuse translations found elsewhere."""
    templates = extract_messages()
    for lang in TRANSLATED:
        known = merged_catalog(lang)
        for domain, template in templates.items():
            catalog = read_catalog(domain, lang) or Catalog(
                locale=lang, project="Sada", charset="utf-8"
            )
            # Keep the header's dates: a file changes only when its messages do, so two
            # branches that touch different strings never conflict on the header.
            created, revised = catalog.creation_date, catalog.revision_date
            # Babel adopts the template's message objects; a copy keeps one language's
            # translations from leaking into the next.
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
            catalog.creation_date, catalog.revision_date = created, revised
            for message in catalog:
                if message.id and not _translated(message):
                    elsewhere = known.get(message.id)
                    if elsewhere is not None and _translated(elsewhere):
                        message.string = elsewhere.string
            path = po_path(domain, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(
                    handle,
                    catalog,
                    width=100,
                    omit_header=False,
                    ignore_obsolete=True,
                    include_lineno=False,
                    sort_output=True,
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
