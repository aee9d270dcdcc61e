"""Typed settings: read from ``TRACE_*`` environment variables over one YAML file (``config``: the file,
unknown keys, production mode)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .chain.keys import VerifierKey
from .config import ConfigFileSource, config_file_of, production_refusals
from .store.db import LOCK_TIMEOUT, Timeouts, sqlite_url_for


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ginseng-trace"


class Settings(BaseSettings):
    """Configuration of one Ginseng Trace instance."""

    model_config = SettingsConfigDict(env_prefix="TRACE_", extra="ignore")

    mode: Literal["development", "production"] = Field(
        default="development",
        description="production: refuse development signing, placeholder secrets and a missing or local "
        "public_base, and turn /docs off unless docs is set",
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="where the embedded database and keys live")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means SQLite at <data_dir>/ledger.sqlite3"
    )
    database_read_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL streaming replica of the database: published reads (records, "
        "histories, proofs, tiles, bundles, pages) are served from it, anything it cannot answer by the primary",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="worker processes `serve` runs on one port (each with its own event loop and thread pools)",
    )
    limits_storage: str = Field(
        default="memory://",
        description="where the rate limits count: memory:// (each process its own) or a redis:// URL that every "
        "worker and server shares",
    )
    dev_signing: bool = Field(
        default=False,
        description="let the server sign events as its development actor 'dev-signer' (never in production)",
    )
    max_body_bytes: int = Field(default=1 << 20, gt=0, description="largest accepted request body")
    max_in_flight: int = Field(
        default=64, gt=0, description="requests served at once; beyond that, 503 with Retry-After at once"
    )
    max_connections: int = Field(
        default=1024,
        gt=0,
        description="connections open at once (idle keep-alive ones too); a request on one beyond, 503 at once",
    )
    lock_timeout: float = Field(
        default=LOCK_TIMEOUT,
        gt=0,
        le=600,
        description="seconds a request waits for the database's write lock (held by another server or a CLI "
        "append) or any other lock; beyond, 503 with Retry-After",
    )
    statement_timeout: float = Field(
        default=30,
        ge=0,
        description="seconds a PostgreSQL statement may run (0: no bound); beyond, 503 with Retry-After",
    )
    rate_limit: str | None = Field(
        default=None,
        pattern=r"^[1-9][0-9]*( per |/)([1-9][0-9]* )?(second|minute|hour|day)s?$",
        description="requests per client address (e.g. 1200/minute; unset: no limit); beyond, 429",
    )
    refused_limit: str = Field(
        default="60/minute",
        pattern=r"^[1-9][0-9]*( per |/)([1-9][0-9]* )?(second|minute|hour|day)s?$",
        description="submissions the ledger refused per client address; beyond, its submissions get 429",
    )
    log_origin: str = Field(
        default="localhost/ginseng-trace",
        pattern=r"^[^\s+]+$",
        description="the transparency log's origin line and key name (a schema-less URL)",
    )
    operator_actor: str = Field(
        default="operator",
        pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
        description="the actor id of the trust anchor: the operator key in <data_dir>/operator.key (made on first "
        "start) signs membership events and holds the operator role without any",
    )
    checkpoint_every: int = Field(default=1000, gt=0, description="publish a checkpoint after this many new events")
    checkpoint_seconds: float = Field(default=5.0, gt=0, description="and at least this often while the log grows")
    witness_keys: str = Field(
        default="",
        description="cosigner verifier keys (vkeys, separated by spaces or commas) whose cosignatures the log accepts",
    )
    monitor_keys: str = Field(
        default="",
        description="monitors' Ed25519 verifier keys (vkeys, separated by spaces or commas) whose signed status "
        "reports the log accepts and the regulator's console shows",
    )

    public_base: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s?#]+(/[^\s?#]*[^/\s?#])?$",
        description="where labels' GS1 Digital Links resolve: scheme, host and any path stem, no trailing slash "
        "(default: the address `serve` listens on)",
    )
    trust_anchors_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="where scan pages fetch the log and witness keys they verify against: a JSON document "
        '{"log_keys": [vkey, ...], "witness_keys": [vkey, ...]} published by someone other than this '
        "service (the regulator), served with CORS; unset, pages use the keys this service gives",
    )
    scan_alert_count: int = Field(default=20, gt=0, description="flag a label scanned more often than this")
    scan_alert_cities: int = Field(default=3, gt=0, description="flag a label scanned in more cities than this")
    scan_alert_km: float = Field(
        default=300, gt=0, description="flag a label scanned in two places farther apart than this (km)"
    )
    witness_urls: str = Field(
        default="",
        description="C2SP tlog-witness URL prefixes (spaces or commas) the log asks to cosign each checkpoint",
    )

    key_encryption_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, base64: the key under which server-held actor keys are encrypted "
        "(AES-256-GCM); unset, server-held keys are disabled. Keep it out of the database and its backups",
    )
    session_hours: float = Field(default=12, gt=0, le=24 * 30, description="how long a login session lasts")
    complaint_limit: str = Field(
        default="10/hour",
        pattern=r"^[1-9][0-9]*( per |/)([1-9][0-9]* )?(second|minute|hour|day)s?$",
        description="consumers' complaints posted from scan pages per client address; beyond, 429 with Retry-After",
    )
    trusted_proxies: str = Field(
        default="",
        description="reverse proxies (addresses or CIDR networks, separated by commas or spaces) whose "
        "X-Forwarded-For is believed: from a trusted peer the client is the right-most untrusted address there; "
        "empty (the default): trust none, the client is the peer",
    )
    login_limit: str = Field(
        default="10/minute",
        pattern=r"^[1-9][0-9]*( per |/)([1-9][0-9]* )?(second|minute|hour|day)s?$",
        description="failed logins and failed token checks per client address; beyond, 429 with Retry-After",
    )

    header_timeout: float = Field(
        default=10, gt=0, description="seconds a client has to send a request's head (request line and headers)"
    )
    keep_alive_timeout: int = Field(default=5, gt=0, description="seconds an idle keep-alive connection stays open")
    max_header_bytes: int = Field(
        default=16384, ge=1024, description="largest request head (request line and headers); beyond, 400"
    )
    docs: bool = Field(default=True, description="serve the interactive API documentation at /docs (off in production)")
    log_format: Literal["text", "json"] = Field(
        default="text", description="serve's logs (the access log too): uvicorn's text lines, or one JSON object a line"
    )
    ready_checkpoint_seconds: float = Field(
        default=300,
        gt=0,
        description="/readyz answers 503 while records wait longer than this for a checkpoint covering them",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Command-line options over ``TRACE_*`` variables over the YAML file (``--config`` or TRACE_CONFIG)."""
        path = config_file_of(settings_cls)
        file = (ConfigFileSource(settings_cls, path),) if path is not None else ()
        return (init_settings, env_settings, *file)

    @model_validator(mode="after")
    def _production(self) -> Settings:
        if self.mode == "production":
            refused = production_refusals(self)
            if refused:
                raise ValueError("production mode refuses: " + "; ".join(refused))
            if "docs" not in self.model_fields_set:
                self.docs = False
        return self

    @field_validator("limits_storage")
    @classmethod
    def _limits_storage_is_known(cls, value: str) -> str:
        if value != "memory://" and not value.startswith(("redis://", "rediss://")):
            raise ValueError(f"TRACE_LIMITS_STORAGE: {value!r} is neither memory:// nor a redis:// or rediss:// URL")
        return value

    @field_validator("database_read_url")
    @classmethod
    def _replica_is_postgresql(cls, value: str | None) -> str | None:
        if value and not value.startswith("postgresql"):
            raise ValueError("TRACE_DATABASE_READ_URL: a read replica is a PostgreSQL standby (postgresql+psycopg://…)")
        return value or None

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"TRACE_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network") from None
        return value

    @property
    def parsed_trusted_proxies(self) -> list[str]:
        return self.trusted_proxies.replace(",", " ").split()

    @property
    def parsed_witness_urls(self) -> list[str]:
        return self.witness_urls.replace(",", " ").split()

    @property
    def parsed_witness_keys(self) -> list[VerifierKey]:
        return [VerifierKey.parse(k) for k in self.witness_keys.replace(",", " ").split()]

    @property
    def parsed_monitor_keys(self) -> list[VerifierKey]:
        return [VerifierKey.parse(k) for k in self.monitor_keys.replace(",", " ").split()]

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(self.lock_timeout, self.statement_timeout or None)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url_for(self.data_dir)

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "dev-signer.key"

    @property
    def operator_key_file(self) -> Path:
        return self.data_dir / "operator.key"

    @property
    def log_key_file(self) -> Path:
        return self.data_dir / "log.key"

    @property
    def scan_key_file(self) -> Path:
        """The key scans' client addresses are hashed under (made on first start): one per deployment, so
        that every process counts a client once a day."""
        return self.data_dir / "scan.key"
