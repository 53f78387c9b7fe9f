"""One settings object, read when the app or a command starts, never at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - marker for "not configured"


class ConfigurationError(RuntimeError):
    """Raised when the settings cannot run safely (e.g. production with a default secret)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SADA_", env_file=None, extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./sada.db"
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"

    # Ingest limits
    max_batch_items: int = 1000
    max_body_bytes: int = 5 * 1024 * 1024
    max_text_bytes: int = 64 * 1024
    # Interactions older than this many days when they arrive are history (backfill): they feed
    # metrics and analytics but fire no cases, alerts, emails, surveys or webhooks.
    live_window_days: float = Field(default=7, ge=0)

    # Per API key rate limit: sustained requests per second and burst size.
    api_rate_per_second: float = 50.0
    api_rate_burst: int = 200

    # Jobs
    run_jobs_in_process: bool = True
    job_poll_interval: float = 0.5
    job_lease_seconds: int = 300

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "Sada <sada@localhost>"

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

    def check_safe_to_run(self) -> None:
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "SADA_SECRET_KEY is the default value; set a long random secret before "
                "running with SADA_ENVIRONMENT=production"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ConfigurationError("SADA_SECRET_KEY must be at least 32 characters in production")


@lru_cache
def get_settings() -> Settings:
    """Settings for commands; the web app receives its Settings explicitly."""
    return Settings()
