"""Imports every domain's models so metadata (and Alembic) sees all tables."""

from sada.automation import models as _automation  # noqa: F401
from sada.cases import models as _cases  # noqa: F401
from sada.db.base import Base
from sada.feedback import models as _feedback  # noqa: F401
from sada.interactions import models as _interactions  # noqa: F401
from sada.jobs import models as _jobs  # noqa: F401
from sada.journeys import models as _journeys  # noqa: F401
from sada.metrics import models as _metrics  # noqa: F401
from sada.people import models as _people  # noqa: F401
from sada.tenants import models as _tenants  # noqa: F401
from sada.text import models as _text  # noqa: F401
from sada.web import models as _web  # noqa: F401

metadata = Base.metadata
