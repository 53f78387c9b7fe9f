"""One settings object, read when the app or a command starts, never at import."""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - marker for "not configured"
# SADA_* variables read by something else than these settings (the test suite).
NOT_SETTINGS = frozenset({"SADA_TEST_DATABASE_URL"})


class ConfigurationError(RuntimeError):
    """Raised when the settings cannot run safely (e.g. production with a default secret)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SADA_", env_file=None, extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./sada.db"
    secret_key: str = DEFAULT_SECRET_KEY
    # Earlier secret keys (comma-separated): stored secrets encrypted under them still decrypt
    # until `sada secrets rotate` re-encrypts them under the current key.
    previous_secret_keys: str = Field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"

    # Logs: "json" (one object per line, with request and job ids) or "text"; the level.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Ingest limits
    max_batch_items: int = 1000
    max_body_bytes: int = 5 * 1024 * 1024
    max_text_bytes: int = 64 * 1024
    # Interactions older than this many days when they arrive are history (backfill): they feed
    # metrics and analytics but fire no cases, alerts, emails, surveys or webhooks.
    live_window_days: float = Field(default=7, ge=0)
    # Applied ingest batches keep their items and per-item results this many days (for
    # `GET /api/v1/batches/{id}`); then the `interactions.prune` job empties them (410 after).
    ingest_batch_retention_days: float = Field(default=7, ge=0)

    # Upgrade an outdated database schema when the app starts. Unset: on for SQLite (the
    # embedded default), off otherwise: run `sada db upgrade` as a deployment step, and nodes
    # refuse to serve an old schema.
    auto_upgrade: bool | None = None

    # Redis (redis://host:6379/0): rate limits and sign-in lockouts shared by every node.
    # Unset: each process counts for itself (fine for one node).
    redis_url: str | None = None
    # Prefix of Sada's keys in that Redis (several deployments may share one server).
    redis_prefix: str = "sada"

    # Per API key rate limit: sustained requests per second and burst size.
    api_rate_per_second: float = 50.0
    api_rate_burst: int = 200

    # Jobs: run them in the API process (embedded default) or in `sada worker`s; seconds
    # between polls when idle; seconds a claimed job stays locked to its worker (renewed
    # every third of it while the job runs; a dead worker's job is free after one lease);
    # seconds a stopping worker (SIGTERM) lets its job finish before handing it back.
    run_jobs_in_process: bool = True
    # Which queue runs the jobs: "table" (Sada's jobs table; the default, and always on
    # SQLite) or "procrastinate" (PostgreSQL only, the `postgres-queue` extra): enqueue also
    # defers a procrastinate job in the same transaction and `sada worker` runs procrastinate's
    # worker; API processes then run no jobs themselves.
    job_backend: Literal["table", "procrastinate"] = "table"
    job_poll_interval: float = Field(default=0.5, gt=0, le=60)
    job_lease_seconds: int = Field(default=300, ge=3, le=86_400)
    job_shutdown_grace_seconds: float = Field(default=20, ge=0, le=3600)
    # Journey analytics' columnar (DuckDB) copy: the folder of the copy and its snapshots
    # (unset: beside a SQLite file, or the temp folder), and how often the owner worker
    # (`sada worker --analytics-owner`) publishes a new snapshot for the API nodes.
    analytics_dir: str | None = None
    analytics_refresh_seconds: float = Field(default=30, ge=1, le=86_400)
    # OpenTelemetry tracing (the `otel` extra): spans of requests and jobs exported over
    # OTLP/HTTP to this collector (e.g. http://collector:4318); unset: no tracing.
    otel_endpoint: str | None = None
    otel_service_name: str = "sada"

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    # TLS: STARTTLS on a plain connection (port 587), or SMTPS from the first byte (port 465).
    # Certificates are verified against the system's trust store, or SADA_SMTP_TLS_CA_FILE;
    # SADA_SMTP_TLS_VERIFY=false accepts any certificate (local development only: refused in
    # production).
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_tls_verify: bool = True
    smtp_tls_ca_file: str | None = None
    mail_from: str = "Sada <sada@localhost>"
    # Inbox: also email colleagues mentioned with @ in an internal note (in-app always).
    mention_emails: bool = False

    # Surveys: do not invite the same person more than once in this many days (across all
    # surveys; a workspace may override it with settings["survey_contact_days"]).
    survey_contact_days: int = 14
    # Surveys: reminders for unanswered email invitations (0 disables them).
    survey_reminder_days: int = 3
    survey_max_reminders: int = 1
    # Surveys: public endpoints (hosted page, snippet): submissions per minute per IP, and the
    # minimum seconds between showing a form and accepting it (bots answer instantly).
    survey_public_per_minute: int = 20
    survey_min_seconds: float = 3.0

    # Outbound webhooks: hosts or CIDRs that may be reached despite the SSRF guard.
    webhook_allowed_hosts: str = ""
    # Social listening: hosts or CIDRs its feed polling may reach despite the SSRF guard;
    # minutes of the first-response target of a post opened in the inbox.
    listening_allowed_hosts: str = ""
    listening_sla_minutes: int = 30
    # IMAP polling: TLS (IMAPS, or STARTTLS when imap_tls is off) with a verified certificate is
    # required; plaintext IMAP (credentials in clear) only when this is set, e.g. on a LAN.
    imap_allow_plaintext: bool = False
    # Outbound webhooks (issue 6): seconds before an attempt times out; attempts per event;
    # first retry delay in seconds (then x4 each time, at most 10 h, or the receiver's
    # Retry-After); an endpoint is disabled after this many failed attempts in a row that
    # span at least this many hours.
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 5.0
    webhook_disable_after_failures: int = 20
    webhook_disable_after_hours: float = 72.0
    # Inbound email (issue 6): largest raw MIME message accepted by the inbound endpoint.
    inbound_email_max_bytes: int = 25 * 1024 * 1024
    # Attachments of conversation messages (inbound mail, API, agents' replies): largest file,
    # largest total per message, most files per message. Over-limit files are refused with a
    # reason; the message itself is still stored.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    attachment_max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    attachment_max_count: int = Field(default=20, ge=0, le=500)

    # Web app (issue 5): hours a sign-in lasts without activity; sign-in attempts allowed per
    # minute per client address and per account; lifetime of reset links and invitations.
    web_session_hours: int = 24 * 14
    login_attempts_per_minute: int = 10
    password_reset_minutes: int = 60
    invitation_days: int = 7

    # Self-service (issue 17): hosts or CIDRs the assistant's generative backend may reach
    # despite the SSRF guard (a local OpenAI-compatible server, e.g. "127.0.0.1"); requests per
    # minute per client address to the public help centre and web chat.
    assistant_allowed_hosts: str = ""
    public_per_minute: int = 60

    # Text models: optional directory with heavier local models (never downloaded).
    text_model_dir: str | None = None

    @field_validator("database_url")
    @classmethod
    def _normalize_postgres_driver(cls, value: str) -> str:
        # Accept plain postgres URLs and route them through psycopg 3.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def upgrades_on_start(self) -> bool:
        return self.is_sqlite if self.auto_upgrade is None else self.auto_upgrade

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError(
                "SADA_DATABASE_URL must start with sqlite:/// (a file) or postgresql:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    def unknown_variables(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """SADA_* variables that are no setting (usually a typo), each with a suggestion."""
        env = os.environ if environ is None else environ
        names = [f"SADA_{name.upper()}" for name in type(self).model_fields]
        found = []
        for key in sorted(env):
            if key.startswith("SADA_") and key not in names and key not in NOT_SETTINGS:
                close = difflib.get_close_matches(key, names, n=1)
                found.append(f"{key} (did you mean {close[0]}?)" if close else key)
        return found

    def check_safe_to_run(self, environ: Mapping[str, str] | None = None) -> None:
        """Refuse settings that cannot run safely; in production, refuse guesses too."""
        unknown = self.unknown_variables(environ)
        if self.environment != "production":
            if unknown:
                logging.getLogger(__name__).warning(
                    "ignoring unknown settings: %s", ", ".join(unknown)
                )
            return
        if unknown:
            raise ConfigurationError(
                "unknown SADA_ settings (production refuses to guess): " + "; ".join(unknown)
            )
        if "database_url" not in self.model_fields_set:
            raise ConfigurationError(
                "SADA_DATABASE_URL is not set; production never falls back to a local SQLite "
                "file (set it to postgresql://... or, deliberately, sqlite:///path)"
            )
        if not self.smtp_tls_verify:
            raise ConfigurationError(
                "SADA_SMTP_TLS_VERIFY=false sends mail credentials to any server; it is for "
                "local development only (trust a private CA with SADA_SMTP_TLS_CA_FILE)"
            )
        if (
            self.smtp_username
            and not (self.smtp_starttls or self.smtp_ssl)
            and self.smtp_host not in ("127.0.0.1", "localhost", "::1")
        ):
            raise ConfigurationError(
                "SADA_SMTP_USERNAME is set without SADA_SMTP_STARTTLS or SADA_SMTP_SSL: "
                "the password would cross the network in clear text"
            )
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "SADA_SECRET_KEY is the default value; set a long random secret before "
                "running with SADA_ENVIRONMENT=production"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ConfigurationError("SADA_SECRET_KEY must be at least 32 characters in production")


def describe_errors(exc: ValidationError) -> str:
    """A pydantic error as one line per setting: `SADA_X: what is wrong`."""
    lines = []
    for error in exc.errors():
        name = "SADA_" + "_".join(str(p) for p in error["loc"]).upper()
        lines.append(f"{name}: {error['msg']}")
    return "invalid settings: " + "; ".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Settings for commands; the web app receives its Settings explicitly.

    Raises ConfigurationError (one clear line per bad setting) instead of a traceback.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_errors(exc)) from None
