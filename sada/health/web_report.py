"""Customer health in a scheduled report: how many people are healthy, on watch and at risk,
the value at stake, and the at-risk list (people, or accounts for a view saved with
`level=account`) with each one's reasons in words.

Registered as `report_tables` in `sada.domains`: the reports domain calls it for a view saved
on `/health`. Health is the latest scoring, not a period: the view's period does not change it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from sada.health import service
from sada.health.web import BAND_WORDS, factor_words
from sada.web.i18n import Formatter

Tables = list[tuple[str, list[str], list[list[Any]]]]
ROWS = 100


def report_tables(
    session: Session,
    *,
    first: date,
    last: date,
    params: Mapping[str, str],
    fmt: Formatter,
    gettext: Callable[[str], str],
) -> Tables:
    """The bands, the value at stake and the at-risk list, in the reader's language."""
    _ = gettext
    summary = service.summary(session)
    bands = summary["bands"]
    tables: Tables = [
        (
            _("Customer health"),
            [_("Health band"), _("People")],
            [
                [_(BAND_WORDS["healthy"]), bands["healthy"]],
                [_(BAND_WORDS["watch"]), bands["watch"]],
                [_(BAND_WORDS["at_risk"]), bands["at_risk"]],
                [_("Value at stake") + f" ({summary['currency']})", summary["value_at_stake"]],
            ],
        )
    ]

    def why(factors: list[dict[str, Any]]) -> str:
        return " · ".join(_(words) for words, _direction in factor_words(factors))

    if params.get("level") == "account":
        accounts = service.at_risk_accounts(session, ROWS)
        tables.append(
            (
                _("At-risk customers"),
                [_("Account"), _("People"), _("Health score"), _("Value at stake"), _("Why")],
                [
                    [
                        r["name"] or f"#{r['account_id']}",
                        _("%(k)s of %(n)s at risk")
                        % {"k": fmt.num(r["people_at_risk"]), "n": fmt.num(r["people"])},
                        r["score"],
                        r["value_at_stake"],
                        why(r["factors"]),
                    ]
                    for r in accounts
                ],
            )
        )
        return tables
    people = service.at_risk(session, ROWS)
    tables.append(
        (
            _("At-risk customers"),
            [_("Person"), _("Segment"), _("Health score"), _("Value at stake"), _("Why")],
            [
                [
                    r["name"] or f"#{r['person_id']}",
                    r["segment"] or "",
                    r["score"],
                    r["value_at_stake"],
                    why(r["factors"]),
                ]
                for r in people
            ],
        )
    )
    return tables
