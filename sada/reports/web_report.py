"""A saved view rendered for mail: its figures as a `Report` in the reader's language, and the
text of the mail that carries it.

This is a page rendering (it reads the period the way every analytic page does, through
`sada.web.period`, and speaks through the shell's catalogs and labels), so it lives with the
domain's pages. The figures are those of the overview read models (`sada.dashboards`) over the
view's period and filters; the feedback view adds the verbatims behind them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session

from sada import domains
from sada.dashboards import explorer
from sada.dashboards import service as dash
from sada.reports import paths
from sada.reports.document import Report, Table
from sada.reports.pdf import Support
from sada.web.i18n import LANGUAGES, N_, Formatter, translations
from sada.web.labels import labeler
from sada.web.period import Period, parse_period

FEEDBACK_ROWS = 200
# Pages whose own default period is 90 days (the others default as the overview does).
LONG_DEFAULT = ("journeys", "themes", "survey")
RTL = ("ar", "fa")
FREQUENCY_LABELS = {"daily": N_("Daily"), "weekly": N_("Weekly"), "monthly": N_("Monthly")}
WEEKDAY_LABELS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
# Why a PDF could not be made, as `sada.reports.pdf.support` says it (translated where shown).
PDF_REASONS = (
    N_("The PDF writer (%(package)s) is not installed on this server."),
    N_(
        "The text shaping engine (%(package)s) is not installed on this server, "
        "so Arabic script cannot be joined correctly in a PDF."
    ),
    N_("The font package %(package)s is not installed on this server."),
)


@dataclass(frozen=True)
class Reader:
    """Who reads a report: language, time zone, calendar and digits."""

    lang: str
    timezone: str = "UTC"
    calendar: str = "gregorian"
    digits: str = "latin"

    @property
    def fmt(self) -> Formatter:
        return Formatter(
            lang=self.lang, timezone=self.timezone, calendar=self.calendar, digits=self.digits
        )


def check_period(path: str, query: str = "") -> None:
    """Refuse (422) a view whose period no page could read: bad dates, from after to."""
    _path, clean = paths.clean_target(path, query)
    parse_period(dict(parse_qsl(clean)))


def build(
    session: Session,
    *,
    name: str,
    path: str,
    query: str,
    reader: Reader,
    now: datetime | None = None,
) -> Report:
    """The report of a view for one reader (raises `Invalid` when the view's period is bad)."""
    lang = reader.lang if reader.lang in LANGUAGES else "en"
    _ = translations(lang).gettext
    label = labeler(_)
    fmt = reader.fmt
    params = dict(parse_qsl(query))
    today = (now.astimezone(fmt.tz).date()) if now else None
    kind = paths.page_kind(path) or "overview"
    if kind in LONG_DEFAULT:
        per: Period = parse_period(params, fmt.tz, today=today, default="90d")
    else:
        per = parse_period(params, fmt.tz, today=today)
    f = dash.Filters(
        start=per.start,
        end=per.end,
        tz=per.tz,
        channel=params.get("channel") or None,
        audience=params.get("audience") or None,
        segment=params.get("segment") or None,
        language=params.get("language") or None,
    )
    report = Report(title=name, lang=lang, rtl=lang in RTL)
    period_text = fmt.date(per.first) + " – " + fmt.date(per.last)
    report.lines.append(_("Period: %(range)s") % {"range": period_text})
    if per.compare:
        prev = per.previous()
        report.lines.append(
            _("Compared with: %(range)s")
            % {"range": fmt.date(prev.first) + " – " + fmt.date(prev.last)}
        )
    for key, title in (
        ("channel", _("Channel")),
        ("audience", _("Audience")),
        ("language", _("Language")),
    ):
        if params.get(key):
            report.lines.append(f"{title}: {label(key, params[key])}")
    report.lines.append(_("Page: %(path)s") % {"path": paths.target_url(path, query)})
    if now is not None:
        report.lines.append(_("Made on %(when)s") % {"when": fmt.datetime(now)})
    page = Page(session, path, params, per, f, fmt, _, label, now)
    report.tables.extend(_tables_of(kind)(page))
    return report


def _tables_of(kind: str) -> Callable[[Page], list[Table]]:
    """The tables of a page kind: the reports domain's own, a domain's registered ones
    (`report_tables` in `sada.domains`), else the overview's."""
    if kind in PAGE_TABLES:
        return PAGE_TABLES[kind]
    hook = domains.report_table_functions().get(kind)
    if hook is None:
        return _overview_tables
    module, _sep, name = hook.partition(":")
    function = getattr(importlib.import_module(module), name)

    def tables(page: Page) -> list[Table]:
        made = function(
            page.session,
            first=page.per.first,
            last=page.per.last,
            params=page.params,
            fmt=page.fmt,
            gettext=page._,
        )
        return [Table(title, list(header), [list(r) for r in rows]) for title, header, rows in made]

    return tables


@dataclass(frozen=True)
class Page:
    """What a page's tables are made from: the view's page, filters and period, and the reader."""

    session: Session
    path: str
    params: dict[str, str]
    per: Period
    f: dash.Filters
    fmt: Formatter
    _: Callable[[str], str]
    label: Callable[[str, str | None], str]
    now: datetime | None


def _overview_tables(page: Page) -> list[Table]:
    """The overview's figures (also the fallback for pages without their own tables)."""
    session, f, per, fmt, _, label = page.session, page.f, page.per, page.fmt, page._, page.label
    params, path = page.params, page.path
    tables: list[Table] = []
    totals = dash.totals(session, f)
    header = [_("Figure"), _("Value")]
    rows: list[list[Any]] = [
        [_("Interactions"), totals.interactions],
        [_("People"), totals.people],
        [_("Text feedback"), totals.text_feedback],
    ]
    if per.compare:
        header += [_("Previous period"), _("Change from the previous period")]
        change = (
            fmt.signed_pct(
                (totals.interactions - totals.previous_interactions) / totals.previous_interactions
            )
            if totals.previous_interactions
            else "–"
        )
        rows[0] += [totals.previous_interactions, change]
        rows[1] += ["", ""]
        rows[2] += ["", ""]
    metrics = dash.metric_trends(session, f) or []
    for m in metrics:
        value = m["value"]
        decimals = 2 if m["metric"] == "ces" else 0
        row: list[Any] = [
            m["metric"].upper(),
            round(value, decimals) if value is not None else "–",
        ]
        if per.compare:
            diff = (m.get("change") or {}).get("difference")
            row += ["", fmt.signed(diff, decimals or 1) if diff is not None else "–"]
        rows.append(row)
    tables.append(Table(_("Key figures"), header, rows))

    channels = dash.volume_by_channel(session, f)
    tables.append(
        Table(
            _("Volume by channel"),
            [_("Channel"), _("Interactions")],
            [[label("channel", c), n] for c, n in channels],
        )
    )
    volume = dash.volume_over_time(session, f)
    sentiment = {pt.bucket: pt for pt in (dash.sentiment_over_time(session, f) or [])}
    over_time = []
    for bucket, n in volume:
        pt = sentiment.get(bucket)
        over_time.append(
            [
                fmt.date(bucket),
                n,
                fmt.pct(pt.share("positive")) if pt and pt.n else "–",
                fmt.pct(pt.share("negative")) if pt and pt.n else "–",
            ]
        )
    tables.append(
        Table(
            _("Interactions over time"),
            [
                _("Date"),
                _("Interactions"),
                label("sentiment", "positive"),
                label("sentiment", "negative"),
            ],
            over_time,
        )
    )
    topics = dash.top_topics(session, f) or []
    if topics:
        tables.append(
            Table(
                _("Top topics"),
                [
                    _("Topic"),
                    _("Mentions"),
                    label("sentiment", "positive"),
                    label("sentiment", "negative"),
                ],
                [[label("aspect", t.name), t.n, t.positive, t.negative] for t in topics],
            )
        )
    if paths.page_kind(path) == "feedback":
        query_ = explorer.ExplorerQuery(
            filters=f,
            q=params.get("q", ""),
            sentiment=params.get("sentiment") or None,
            band=params.get("band") or None,
            topic=params.get("topic") or None,
        )
        rows_out = []
        for item in explorer.explore(session, query_, limit=FEEDBACK_ROWS, redact=True):
            rows_out.append(
                [
                    fmt.datetime(item.occurred_at),
                    label("channel", item.channel),
                    item.rating if item.rating is not None else "",
                    label("sentiment", item.sentiment) if item.sentiment else "",
                    item.text,
                ]
            )
        tables.append(
            Table(
                _("Feedback"),
                [_("When"), _("Channel"), _("Score"), _("Sentiment"), _("Text")],
                rows_out,
            )
        )
    return tables


def _minutes(value: Any) -> Any:
    return round(float(value), 1) if value is not None else "–"


def _performance_tables(page: Page) -> list[Table]:
    """The team performance page's table, from its own data function (`cases.performance`)."""
    from sada.cases.performance import report as performance

    _, fmt, per = page._, page.fmt, page.per
    by = page.params.get("by", "agent")
    by = by if by in ("agent", "team") else "agent"
    data = performance(page.session, since=per.start, until=per.end, by=by, compare=per.compare)
    header = [
        _("Agent") if by == "agent" else _("Team"),
        _("Volume"),
        _("First response (median, minutes)"),
        _("Resolution (median, minutes)"),
        _("SLA attainment"),
        _("Reopen rate"),
        "CSAT",
        "NPS",
        _("Cases closed"),
    ]
    if per.compare:
        header.append(_("Previous period") + " · " + _("Volume"))
    rows: list[list[Any]] = []
    for row in data["rows"]:
        name = row["name"]
        if row["id"] is None:
            name = _("Unassigned") if by == "agent" else _("No team")
        csat, nps = row.get("csat") or {}, row.get("nps") or {}
        line: list[Any] = [
            name,
            row["volume"],
            _minutes(row["first_response_minutes"]["median"]),
            _minutes(row["resolution_minutes"]["median"]),
            fmt.pct(row["sla"]["attainment"]) if row["sla"]["attainment"] is not None else "–",
            fmt.pct(row["reopen_rate"]) if row.get("reopen_rate") is not None else "–",
            round(csat["csat"], 1) if csat.get("csat") is not None else "–",
            round(nps["nps"]) if nps.get("nps") is not None else "–",
            row.get("cases_closed", 0),
        ]
        if per.compare:
            before = row.get("previous")
            line.append(before["volume"] if before else "–")
        rows.append(line)
    return [Table(_("Team performance"), header, rows)]


def _survey_tables(page: Page) -> list[Table]:
    """The survey results page's figures: the metric with its interval (per period, and
    against the previous period when compared) and every question's answers."""
    from sada.feedback import results
    from sada.feedback import service as surveys
    from sada.web.survey_pages import result_filter, survey_metric

    _, fmt, per, lang = page._, page.fmt, page.per, page.fmt.lang
    survey_id = int(page.path.rsplit("/", 1)[1])
    survey = surveys.access_survey(page.session, survey_id)
    definition = surveys.definition_of(page.session, survey)
    rf = result_filter(page.params, per)
    counted, questions = results.question_results(page.session, survey, definition, rf)
    metric, change = survey_metric(page.session, survey, per, rf)
    kind = survey.kind
    d = 2 if kind == "ces" else 0
    rows: list[list[Any]] = [[_("Survey"), survey.name], [_("Responses"), counted]]
    if metric and metric.get("n"):
        rows.append([kind.upper(), round(metric[kind], d)])
        rows.append(
            [_("95%% interval"), f"{round(metric['ci_low'], d)} – {round(metric['ci_high'], d)}"]
        )
        rows.append(["n", metric["n"]])
    if change and change.get("difference") is not None:
        rows.append(
            [_("Change from the previous period"), fmt.signed(change["difference"], d or 1)]
        )
    tables = [Table(_("Results"), [_("Figure"), _("Value")], rows)]
    if metric and metric.get("periods"):
        tables.append(
            Table(
                kind.upper(),
                [_("Period"), _("Score"), _("95%% interval"), "n"],
                [
                    [
                        fmt.date(pt["start"]),
                        round(pt[kind], d) if pt.get(kind) is not None else "–",
                        f"{round(pt['ci_low'], d)} – {round(pt['ci_high'], d)}"
                        if pt.get("ci_low") is not None
                        else "–",
                        pt.get("n") or 0,
                    ]
                    for pt in metric["periods"]
                ],
            )
        )
    answers: list[list[Any]] = []
    for r in questions:
        title = r.question.text("title", lang, survey.default_language) or r.question.key
        for value, n in r.distribution:
            answers.append([title, value, n])
        if not r.distribution:
            answers.append([title, _("Answered: %(n)s") % {"n": r.answered}, ""])
    tables.append(
        Table(_("Answers per question"), [_("Question"), _("Answer"), _("Count")], answers)
    )
    return tables


def _scorecard_tables(page: Page) -> list[Table]:
    """The audience scorecard (`journeys.scorecard`) over the view's period."""
    from sada.journeys.scorecard import scorecard

    _, per = page._, page.per
    _since, until = per.epoch_range()
    rows = scorecard(page.session, now=until, days=per.days)  # the period's whole days
    out: list[list[Any]] = []
    for a in rows:
        current = a.get("current") or {}
        trend = a.get("trend") or {}
        out.append(
            [
                a["rank"],
                a["label"],
                a.get("owner") or _("No owner"),
                (a.get("measure") or "–").upper(),
                round(current["value"], 1) if current.get("value") is not None else "–",
                current.get("n") or 0,
                round(trend["change"], 1) if trend.get("change") is not None else "–",
                a["target"] if a.get("target") is not None else "–",
                a["people"],
            ]
        )
    return [
        Table(
            _("Audience scorecard"),
            [
                "#",
                _("Audience"),
                _("Owner"),
                _("Measure"),
                _("Current"),
                "n",
                _("Trend"),
                _("Target"),
                _("People"),
            ],
            out,
        )
    ]


def _themes_tables(page: Page) -> list[Table]:
    """The themes page's list (`text.web.page_themes`), counted in the view's period."""
    from sada.text.web import page_themes

    _, per = page._, page.per
    themes = page_themes(page.session, page.params, per)
    header = [_("Theme"), _("Texts in the period"), _("Negative")]
    if per.compare:
        header.append(_("Previous period"))
    rows = []
    for t in themes:
        row: list[Any] = [t["label"], t["in_period"], page.fmt.pct(t["negative_share"])]
        if per.compare:
            row.append(t["before"] if t.get("before") is not None else "–")
        rows.append(row)
    return [Table(_("Themes"), header, rows)]


# The tables of each kind of page (`paths.ANALYTIC_PAGES`); any other page: the overview's.
PAGE_TABLES: dict[str, Callable[[Page], list[Table]]] = {
    "overview": _overview_tables,
    "feedback": _overview_tables,
    "performance": _performance_tables,
    "survey": _survey_tables,
    "journeys": _scorecard_tables,
    "themes": _themes_tables,
}


def mail_text(
    *,
    lang: str,
    view_name: str,
    link: str,
    attachments: list[str],
    pdf_reason: Support | None,
    period_text: str = "",
) -> tuple[str, str]:
    """(subject, plain-text body) of a report mail in `lang`."""
    _ = translations(lang if lang in LANGUAGES else "en").gettext
    subject = _("Report: %(name)s") % {"name": view_name}
    lines = [
        _("Your scheduled report \u201c%(name)s\u201d is attached.") % {"name": view_name},
        "",
        _("Open it in Sada: %(link)s") % {"link": link},
        _("Attached: %(files)s") % {"files": ", ".join(attachments)},
    ]
    if pdf_reason:
        lines += [
            "",
            _("No PDF is attached in this language: %(reason)s") % {"reason": pdf_reason.text(_)},
        ]
    lines += ["", _("You receive this report because a member of your workspace scheduled it.")]
    return subject, "\n".join(lines) + "\n"


def frequency_text(
    lang: str, frequency: str, weekday: int | None, day: int | None, at_time: str, tz: str
) -> str:
    """ "Weekly on Monday at 08:00 (Asia/Tehran)" in `lang`."""
    _ = translations(lang if lang in LANGUAGES else "en").gettext
    if frequency == "weekly" and weekday is not None:
        when = _("Weekly on %(day)s") % {"day": _(WEEKDAY_LABELS[weekday])}
    elif frequency == "monthly":
        when = _("Monthly on day %(day)s") % {"day": day or 1}
    else:
        when = _(FREQUENCY_LABELS.get(frequency, frequency))
    return _("%(when)s at %(time)s (%(zone)s)") % {"when": when, "time": at_time, "zone": tz}
