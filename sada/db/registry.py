"""Imports every domain's models (from the domain manifest) so metadata and Alembic see all tables."""

import importlib

from sada.db.base import Base
from sada.domains import model_modules

for _module in model_modules():
    importlib.import_module(_module)

metadata = Base.metadata

# Tables in the same database that other software owns and migrates: procrastinate's queue
# (`SADA_JOB_BACKEND=procrastinate`; `sada db upgrade` applies its schema separately).
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def owned_by_sada(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name`: compare and autogenerate only Sada's own tables."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES))
