"""Import boundaries: which part of Sada may import which (checked on every import, module
level and inside functions alike, so no cycle hides behind a function-level import).

Layers, lowest first; a module may import its own domain and any lower layer:

    foundations   core, settings, domains (pure definitions), then db, then jobs, then events
    tenants       tenants
    notify        notifications (written by the loop and orchestration layers above it)
    people        people
    interactions  interactions
    analysis      text, metrics
    loop          feedback, cases
    orchestration automation, journeys, connectors
    products      dashboards and the product domains added since (privacy, selfservice, ...)
    shell         web (the page shell and its own pages)
    entry points  demo, then cli and app, then asgi

Declared exceptions (each with its reason):
- shared definitions importable from every layer: `sada.metrics.catalogue` (pure data) and
  `sada.text.normalize` (pure functions: letter folding for search);
- a domain's pages (`sada.<domain>.web`, `sada.<domain>.web_*`, `sada.<domain>.pages`) render
  in the shell, so they may import `sada.web`;
- a domain's CLI (`sada.<domain>.cli`) and demo data (`sada.<domain>.demo`) are entry points,
  so they may import anything.

`KNOWN` lists the violations still being removed: the test fails on any new one, and on a
known one that is gone (so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

SADA = Path(__file__).resolve().parents[1] / "sada"

LAYERS: list[set[str]] = [
    {"core", "settings", "domains", "__init__"},
    {"db"},
    {"jobs"},
    {"events"},
    {"tenants"},
    {"notifications"},
    {"people"},
    {"interactions"},
    {"text", "metrics"},
    {"feedback", "cases"},
    {"automation", "journeys", "connectors"},
    set(),  # products: every domain not named elsewhere
    {"web"},
    {"demo"},
    {"cli", "app"},
    {"asgi"},
]
PRODUCTS = 11
SHARED = ("sada.metrics.catalogue", "sada.text.normalize")


def layer_of(domain: str) -> int:
    for index, names in enumerate(LAYERS):
        if domain in names:
            return index
    return PRODUCTS


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
    return [(line, name) for line, name in found if name.startswith("sada.")]


def violations() -> list[str]:
    out = []
    for path in sorted(SADA.rglob("*.py")):
        rel = path.relative_to(SADA)
        domain = rel.parts[0].removesuffix(".py")
        module = ".".join(("sada", *rel.with_suffix("").parts))
        own = layer_of(domain)
        is_pages = len(rel.parts) > 1 and (
            rel.parts[1] in ("web.py", "pages.py", "web") or rel.parts[1].startswith("web_")
        )
        is_cli = len(rel.parts) > 1 and rel.parts[1] in ("cli.py", "demo.py")
        for line, name in _imports(path):
            target = name.split(".")[1]
            if target == domain or is_cli:
                continue
            if any(name == s or name.startswith(s + ".") for s in SHARED):
                continue
            if is_pages and target == "web":
                continue
            imported = ".".join(name.split(".")[:3])
            if layer_of(target) > own:
                out.append(f"{module} -> {imported} (a higher layer)")
            elif layer_of(target) == own and own != PRODUCTS:
                out.append(f"{module} -> {imported} (a domain of the same layer)")
    return sorted(set(out))


KNOWN: set[str] = {
    # Standard Webhooks signing and SMTP sending belong in sada.core (shared transports); they
    # move there with the secrets-at-rest and TLS work on those same functions.
    "sada.cases.api -> sada.automation.webhooks (a higher layer)",
    "sada.cases.inbound -> sada.automation.webhooks (a higher layer)",
    "sada.cases.replies -> sada.automation.notify (a higher layer)",
    # Survey metric rollups read survey responses; they become a subscriber of response
    # events with the rollup rework of the flat-costs issue.
    "sada.metrics.rollups -> sada.feedback.models (a higher layer)",
    "sada.metrics.service -> sada.feedback.models (a higher layer)",
}


def test_no_module_imports_a_higher_layer_or_a_sibling() -> None:
    found = set(violations())
    new = sorted(found - KNOWN)
    gone = sorted(KNOWN - found)
    assert not new, "import boundary violations:\n" + "\n".join(new)
    assert not gone, "fixed, remove from KNOWN:\n" + "\n".join(gone)
