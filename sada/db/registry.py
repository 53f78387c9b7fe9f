"""Imports every domain's models (from the domain manifest) so metadata and Alembic see all tables."""

import importlib

from sada.db.base import Base
from sada.domains import model_modules

for _module in model_modules():
    importlib.import_module(_module)

metadata = Base.metadata
