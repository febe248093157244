"""Configuration from environment variables (pydantic-settings). Every process reads the same
names; a service-specific variable (e.g. DEMAND_DATABASE_URL) wins over the shared one."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pmo_kernel.cloudevents import topic_for
from pmo_kernel.money import Money

DEV_SIGNING_KEY = "pmo-development-signing-key-change-me-in-production"


GC_YOUNG_THRESHOLD = 50_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    # Prefix put before every topic name, so several test runs can share one broker.
    kafka_topic_prefix: str = ""

    jwt_signing_key: str = DEV_SIGNING_KEY
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "pmo"
    jwt_audience: str = "pmo"
    # An OpenID Connect issuer's tokens (RS256/ES256), verified with the keys of its JWKS
    # (cached `oidc_jwks_cache_seconds`, fetched again when a token names an unknown key).
    # Roles come from `oidc_roles_claim` (a dotted path, e.g. realm_access.roles). Issuer and
    # audience default to JWT_ISSUER / JWT_AUDIENCE.
    oidc_jwks_url: str = ""
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_algorithms: str = "RS256,ES256"
    oidc_roles_claim: str = "roles"
    oidc_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    # The caller's department (a string claim, dotted path), for department-wide visibility.
    department_claim: str = "department"
    # Whether requesters also see, without costs, the demands and items of their department
    # (pmo_kernel.access); off: each sees only their own.
    requesters_see_department: bool = False
    # Commands per caller and API process (see rate_limit.py): `command_burst` at once, then
    # `command_rate_per_minute` a minute; 0 switches the limit off.
    command_rate_per_minute: int = Field(default=120, ge=0)
    command_burst: int = Field(default=30, ge=1)
    # Clock skew tolerated between the token's issuer and us, on iat, nbf and exp.
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)

    otel_exporter: str = "none"  # otlp | console | none
    log_level: str = "INFO"
    log_format: str = "json"  # json | text
    environment: str = "development"  # production masks errors and disables introspection

    max_request_bytes: int = Field(default=256 * 1024, ge=1024)

    # Governance, shared by demand (qualification) and portfolio (its first routing rules): above
    # this estimated cost a demand needs the investment committee.
    investment_committee_threshold: Decimal = Decimal("250000")
    investment_committee_currency: str = "EUR"

    # Interface an HTTP process listens on; the port comes from its URL below. The URLs are
    # where other processes reach it, which inside a cluster is not an address one can bind.
    http_bind_host: str = "127.0.0.1"

    # Outbox relay tuning: an idle relay sleeps until PostgreSQL announces an append (NOTIFY),
    # reading again at most every `relay_safety_poll_seconds` in case a notice was missed;
    # after a notice whose rows were not visible yet, it rereads after `relay_idle_poll_seconds`
    # (doubling).
    relay_idle_poll_seconds: float = Field(default=0.01, gt=0, le=5)
    relay_safety_poll_seconds: float = Field(default=1.0, gt=0, le=60)

    # The audit log (pmo_kernel.merkle_log): each service's Merkle log signs a tree head once
    # `audit_checkpoint_events` events are new, or `audit_checkpoint_seconds` after the first
    # unsigned one; an idle log sleeps on the events table's NOTIFY, rereading at most every
    # `audit_safety_poll_seconds`. The Ed25519 key: `audit_signing_key` (PEM) or the file
    # `audit_key_file` (default `<pmo_data_dir>/audit-signing-key.pem`, generated outside
    # production; see pmo_kernel.store.tree_heads).
    audit_checkpoint_events: int = Field(default=1000, ge=1)
    audit_checkpoint_seconds: float = Field(default=10.0, gt=0, le=3600)
    audit_safety_poll_seconds: float = Field(default=60.0, gt=0, le=3600)
    audit_signing_key: str = ""
    audit_key_file: str = ""
    pmo_data_dir: str = ".pmo"

    # Consumers: the longest a consumer keeps applied offsets before committing them to Kafka
    # (0: after every batch). Later commits only mean more redelivery after a crash, which the
    # consumer's deduplication makes harmless; fewer commits spare the broker.
    consumer_commit_interval_seconds: float = Field(default=1.0, ge=0, le=60)

    # CPython's youngest-generation collection threshold for service processes (CPython's own
    # default is 700; see pmo_kernel.process.tune_garbage_collector for why ours is higher).
    gc_young_threshold: int = Field(default=GC_YOUNG_THRESHOLD, ge=100)

    # service URLs (the gateway forwards mutations; rebuilds read event feeds)
    demand_url: str = "http://127.0.0.1:8001"
    portfolio_url: str = "http://127.0.0.1:8002"
    capacity_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8000"

    @property
    def investment_committee(self) -> Money:
        """The investment-committee threshold as money (an unknown currency is refused)."""
        return Money.of(self.investment_committee_threshold, self.investment_committee_currency)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def development_key(self) -> bool:
        """Whether HS256 tokens would be checked with the key everyone knows."""
        return self.jwt_signing_key == DEV_SIGNING_KEY

    @model_validator(mode="after")
    def _production_refuses_the_development_key(self) -> Settings:
        if self.production and self.development_key and not self.oidc_jwks_url:
            raise ValueError(
                "ENVIRONMENT=production refuses the development signing key: set JWT_SIGNING_KEY "
                "to a secret of your own, or OIDC_JWKS_URL to your identity provider's keys"
            )
        return self

    def topic(self, service: str) -> str:
        return f"{self.kafka_topic_prefix}{topic_for(service)}"


def load_settings(service: str | None = None) -> Settings:
    """Settings for `service`, where <SERVICE>_DATABASE_URL overrides DATABASE_URL."""
    import os

    settings = Settings()
    if service:
        override = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if override:
            settings = settings.model_copy(update={"database_url": override})
    return settings
