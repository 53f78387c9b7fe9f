"""The domain manifest: the one list every registry reads.

Adding a domain is one entry here (keep the list in dependency order: lower layers first).
Each registry derives what it needs from this list:

- tables: `sada/<name>/models.py` when `models` (read by `sada.db.registry` and Alembic);
- job handlers: `sada/<name>/tasks.py` when `tasks` (read by `sada.jobs.registry`);
- HTTP: the modules in `routers`, each with a module-level `router` (read by `sada.app`);
- CLI: `sada/<name>/cli.py`'s Typer `app`, mounted as `sada <cli>` (read by `sada.cli.main`);
- demo data: `demo` = "module:function" taking a `sada.demo.seed.DemoContext`;
- navigation: `pages` says the domain serves pages in the web shell;
- interaction views: `interaction_views` = "module:function(session, ids) -> {id: {field: ...}}"
  adds the domain's fields to interactions in API answers (text adds `analysis`), so the
  interactions domain never imports the domains above it;
- reply paths: `reply_paths` = "module:function(session, conversation_id, channel) -> bool":
  whether the domain delivers an agent's reply in that conversation (selfservice: its web
  chat; automation: an outbound webhook subscribed to `conversation.replied`), so the inbox
  refuses a reply nobody would deliver instead of storing it silently;
- person rows: `person_rows` = a module with `move_person_rows(session, from_id, to_id) -> moved`
  and `restore_person_rows(session, moved, holders, to_id)`: the rows a person merge moves and an
  unmerge moves back, for domains with their own rules (interactions keep rollups right,
  account memberships skip an account the survivor already has); `person_tables` =
  ("module:Model", ...) for plain tables whose `person_id` simply follows the person
  (`sada.db.person_rows` moves them). The people domain calls both without importing the
  domains above it;
- person panels: `person_panel` = "module:function(p, session, person_id) -> Markup | None"
  adds a card to the person page (health adds the score and its reasons).
- journey sections: `journey_section` = "module:function(p, session) -> Markup | None" adds a
  section to the journeys scorecard (health adds revenue at risk by touchpoint).
- message channels: `message_channels` = a module with `reachable(session, person_id) ->
  [(channel, address)]` and `send_to_person(db, settings, workspace_id, person_id, channel,
  text, parameters) -> message id`: how lower domains (survey invitations) reach a person on
  WhatsApp, SMS, Telegram or an open web chat without importing the domains that send.
- report tables: `report_tables` = "module:function(session, *, first, last, params, fmt,
  gettext) -> [(title, header, rows)]": the figures of the domain's analytic pages in a
  scheduled report (listening's brands and spikes, health's at-risk list), so the reports domain
  mails them without importing the domains beside it.

Nothing is imported here: modules are named, and each registry imports what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    name: str
    models: bool = False
    tasks: bool = False
    routers: tuple[str, ...] = ()
    cli: str | None = None  # the sub-command name
    cli_help: str = ""
    demo: str | None = None  # "module:function"
    pages: bool = False
    interaction_views: str | None = None  # "module:function"
    person_rows: str | None = None  # a module (see above)
    person_tables: tuple[str, ...] = ()  # "module:Model" (see above)
    reply_paths: str | None = None  # "module:function" (see above)
    person_panel: str | None = None  # "module:function" (see above)
    message_channels: str | None = None  # a module (see above)
    journey_section: str | None = None  # "module:function" (see above)
    report_tables: str | None = None  # "module:function" (see above)


DOMAINS: tuple[Domain, ...] = (
    Domain("tenants", models=True, routers=("sada.tenants.api",)),
    Domain(
        "notifications",
        models=True,
        routers=("sada.notifications.api", "sada.notifications.web"),
        pages=True,
    ),
    Domain("jobs", models=True),
    Domain(
        "people",
        models=True,
        tasks=True,
        routers=("sada.people.api", "sada.people.api_segments", "sada.people.web"),
        pages=True,
        person_panel="sada.people.web:person_panel",
    ),
    Domain(
        "interactions",
        models=True,
        tasks=True,
        routers=("sada.interactions.api",),
        person_rows="sada.interactions.service",
    ),
    Domain(
        "text",
        models=True,
        tasks=True,
        routers=("sada.text.api", "sada.text.web", "sada.text.web_quality"),
        cli="text",
        cli_help="Text analysis: analyze, evaluate, train, reanalyze, corrections, themes.",
        interaction_views="sada.text.views:analysis_views",
        pages=True,
    ),
    Domain(
        "metrics",
        models=True,
        routers=("sada.metrics.api",),
        cli="metrics",
        cli_help="Metrics: NPS, CSAT, CES, eNPS, compare, rebuild.",
    ),
    Domain(
        "automation",
        models=True,
        tasks=True,
        routers=("sada.automation.api", "sada.automation.web", "sada.automation.web_settings"),
        cli="automation",
        cli_help="Rules, alerts, SLA checks, webhooks and inbound mail.",
        pages=True,
        reply_paths="sada.automation.webhooks:delivers_replies",
        person_tables=(
            "sada.automation.models:RuleFiring",
            "sada.automation.models:CustomerNotification",
        ),
    ),
    Domain(
        "feedback",
        models=True,
        tasks=True,
        routers=("sada.feedback.api", "sada.feedback.web", "sada.feedback.web_csat"),
        cli="surveys",
        cli_help="Surveys: list, send, reminders; also adds `sada import qualtrics|surveymonkey`.",
        demo="sada.demo.seed:demo_surveys",
        person_tables=("sada.feedback.models:Invitation", "sada.feedback.models:Response"),
    ),
    Domain(
        "cases",
        models=True,
        tasks=True,
        routers=(
            "sada.cases.api",
            "sada.cases.web_attachments",
            "sada.cases.web",
            "sada.cases.web_cases",
            "sada.cases.web_live",
            "sada.cases.web_canned",
            "sada.cases.web_performance",
            "sada.cases.web_settings",
        ),
        demo="sada.demo.seed:demo_cases",
        pages=True,
        person_panel="sada.cases.web_cases:person_panel",
        person_tables=("sada.cases.models:Conversation", "sada.cases.models:Case"),
    ),
    Domain(
        "journeys",
        models=True,
        routers=("sada.journeys.api", "sada.journeys.web"),
        demo="sada.demo.seed:demo_journeys",
        pages=True,
    ),
    Domain(
        "selfservice",
        models=True,
        tasks=True,
        routers=(
            "sada.selfservice.api",
            "sada.selfservice.web_widget",
            "sada.selfservice.web_public",
            "sada.selfservice.web",
        ),
        cli="kb",
        cli_help="Knowledge base and assistant: import, export, ask, reindex.",
        demo="sada.selfservice.demo:demo_help_centre",
        pages=True,
        reply_paths="sada.selfservice.chat:delivers_replies",
        message_channels="sada.selfservice.chat",
        person_tables=("sada.selfservice.models:ChatSession",),
    ),
    Domain(
        "listening",
        models=True,
        tasks=True,
        routers=("sada.listening.api", "sada.listening.web"),
        cli="listening",
        cli_help="Social listening: brands, spikes; adds `sada import x|telegram|youtube|graph|posts`.",
        demo="sada.listening.demo:demo_listening",
        pages=True,
        reply_paths="sada.listening.replies:delivers_replies",
        person_tables=("sada.listening.models:ListeningMention",),
        report_tables="sada.listening.web_report:report_tables",
    ),
    Domain(
        "connectors",
        models=True,
        routers=(
            "sada.connectors.segment.api",
            "sada.connectors.formbricks.api",
            "sada.connectors.accounts_api",
            "sada.connectors.responses_api",
        ),
        person_rows="sada.connectors.accounts",
        cli="connectors",
        cli_help="Connectors to other tools: list them (imports are under `sada import`).",
    ),
    Domain(
        "channels",
        models=True,
        tasks=True,
        routers=("sada.channels.api", "sada.channels.web"),
        message_channels="sada.channels.service",
        reply_paths="sada.channels.service:delivers_replies",
        pages=True,
    ),
    Domain(
        "privacy",
        models=True,
        tasks=True,
        routers=("sada.privacy.api", "sada.privacy.web"),
        cli="privacy",
        cli_help="Privacy rights: export and erase a person, retention policies, consent.",
        pages=True,
    ),
    Domain(
        "health",
        models=True,
        tasks=True,
        routers=("sada.health.api", "sada.health.web"),
        cli="health",
        cli_help="Customer health: churn definition, train the risk model, score, at-risk list.",
        demo="sada.health.demo:demo_health",
        pages=True,
        person_panel="sada.health.web:person_panel",
        journey_section="sada.health.web:journeys_section",
        report_tables="sada.health.web_report:report_tables",
    ),
    Domain("dashboards", routers=("sada.dashboards.api",)),
    Domain(
        "reports",
        models=True,
        tasks=True,
        routers=("sada.reports.api", "sada.reports.web"),
        pages=True,
    ),
    # The page shell last: its routes include the catch-all pages.
    Domain("web", models=True, routers=("sada.web.api_docs", "sada.web.home", "sada.web.pages")),
)

# The order demo data is seeded in (journeys first: surveys and cases read its maps).
DEMO_ORDER = ("journeys", "feedback", "cases")


def domain(name: str) -> Domain:
    for entry in DOMAINS:
        if entry.name == name:
            return entry
    raise KeyError(name)


def model_modules() -> list[str]:
    return [f"sada.{d.name}.models" for d in DOMAINS if d.models]


def task_modules() -> list[str]:
    return [f"sada.{d.name}.tasks" for d in DOMAINS if d.tasks]


def router_modules() -> list[str]:
    return [module for d in DOMAINS for module in d.routers]


def demo_functions() -> list[tuple[str, str]]:
    """(domain, "module:function") in seeding order: `DEMO_ORDER` first, then the rest."""
    with_demo = [d for d in DOMAINS if d.demo]
    ordered = sorted(
        with_demo,
        key=lambda d: DEMO_ORDER.index(d.name) if d.name in DEMO_ORDER else len(DEMO_ORDER),
    )
    return [(d.name, d.demo) for d in ordered if d.demo]


def interaction_view_functions() -> list[str]:
    return [d.interaction_views for d in DOMAINS if d.interaction_views]


def person_panel_functions() -> list[str]:
    return [d.person_panel for d in DOMAINS if d.person_panel]


def journey_section_functions() -> list[str]:
    return [d.journey_section for d in DOMAINS if d.journey_section]


def person_row_modules() -> list[tuple[str, str]]:
    """(domain, module) of every domain whose rows follow a person through merges."""
    return [(d.name, d.person_rows) for d in DOMAINS if d.person_rows]


def person_table_models() -> list[str]:
    """ "module:Model" of every plain table whose `person_id` follows a person through merges."""
    return [t for d in DOMAINS for t in d.person_tables]


def reply_path_functions() -> list[str]:
    return [d.reply_paths for d in DOMAINS if d.reply_paths]


def message_channel_modules() -> list[str]:
    """Modules that reach people on messaging channels (see `message_channels`)."""
    return [d.message_channels for d in DOMAINS if d.message_channels]


def report_table_functions() -> dict[str, str]:
    """Page kind (the domain's name) -> "module:function" of its report tables."""
    return {d.name: d.report_tables for d in DOMAINS if d.report_tables}


def page_domains() -> frozenset[str]:
    return frozenset(d.name for d in DOMAINS if d.pages)
