"""A saved view rendered for mail: its figures as a `Report` in the reader's language, and the
text of the mail that carries it.

This is a page rendering (it reads the period the way every analytic page does, through
`sada.web.period`, and speaks through the shell's catalogs and labels), so it lives with the
domain's pages. The figures are those of the overview read models (`sada.dashboards`) over the
view's period and filters; the feedback view adds the verbatims behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session

from sada.dashboards import explorer
from sada.dashboards import service as dash
from sada.reports import paths
from sada.reports.document import Report, Table
from sada.reports.pdf import Support
from sada.web.i18n import LANGUAGES, N_, Formatter, translations
from sada.web.labels import labeler
from sada.web.period import Period, parse_period

FEEDBACK_ROWS = 200
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
    per: Period = parse_period(params, fmt.tz, today=today)
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
    report.tables.append(Table(_("Key figures"), header, rows))

    channels = dash.volume_by_channel(session, f)
    report.tables.append(
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
    report.tables.append(
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
        report.tables.append(
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
        report.tables.append(
            Table(
                _("Feedback"),
                [_("When"), _("Channel"), _("Score"), _("Sentiment"), _("Text")],
                rows_out,
            )
        )
    return report


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
