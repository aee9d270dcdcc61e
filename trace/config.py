"""Where settings come from besides the environment: one YAML file, and what production mode refuses.

The file (``TRACE_CONFIG=FILE``, or ``--config FILE`` on the command line) maps the settings' field names
(``max_in_flight``, not ``TRACE_MAX_IN_FLIGHT``) to values; a ``TRACE_*`` environment variable overrides
the file's key, and a command-line option (``--database-url``, ``--data-dir``, ``--dev-signing``) both. A key
the settings do not have is an error naming it, so a misspelt key is never silently ignored.

Production mode (``mode: production``, ``TRACE_MODE=production``) refuses to start with development signing,
with an empty or placeholder secret (the key-encryption key, the database password in the URL or in libpq's
``PGPASSWORD``), or without a public base where labels resolve (or with one that is local or a reserved
example domain, which a printed label would point at for ever); it turns ``/docs`` off unless ``docs`` is set.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings, YamlConfigSettingsSource
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .chain.errors import Error, MalformedError

if TYPE_CHECKING:
    from .settings import Settings

CONFIG_ENV = "TRACE_CONFIG"

PLACEHOLDER_WORDS = ("change", "placeholder", "example", "secret", "password", "replace", "todo", "xxx", "dummy")
"""Words that mark a secret as one copied from an example rather than made for this deployment."""

RESERVED_DOMAINS = ("example", "example.com", "example.net", "example.org", "example.cn", "test", "invalid", "local")
"""Domains that are never a deployment's public address (RFC 2606, RFC 6761, mDNS), and example.cn."""


class ConfigurationError(Error):
    """The configuration cannot be used: a file that cannot be read, an unknown key, a bad value, or what
    production mode refuses. Its text names the key."""


class ConfigFileSource(YamlConfigSettingsSource):
    """The settings' YAML file, with unknown keys refused by name (the environment's unknown ``TRACE_*``
    variables stay ignored: other tools share the prefix)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        if not path.is_file():
            raise ConfigurationError(f"configuration file {path}: no such file")
        try:
            super().__init__(settings_cls, yaml_file=path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"configuration file {path}: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise ConfigurationError(f"configuration file {path}{where}: not YAML ({type(exc).__name__})") from None
        except (ValueError, TypeError, AttributeError):  # a list or a scalar, not a mapping
            raise ConfigurationError(f"configuration file {path}: must map setting names to values") from None
        if not isinstance(self.yaml_data, dict):
            raise ConfigurationError(f"configuration file {path}: must map setting names to values")
        unknown = sorted(str(k) for k in self.yaml_data if k not in settings_cls.model_fields)
        if unknown:
            raise ConfigurationError(f"configuration file {path}: unknown key {unknown[0]!r}")


def config_file_of(settings_cls: type[BaseSettings]) -> Path | None:
    """The file the settings are read from: the class's own (``--config``), else ``TRACE_CONFIG``."""
    chosen = settings_cls.model_config.get("yaml_file") or os.environ.get(CONFIG_ENV)
    return Path(str(chosen)) if chosen else None


def one_line(exc: ValidationError, path: Path | None) -> str:
    """A validation error as one line naming the key(s) and, when a file was read, the file."""
    parts = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(message if message.startswith(f"{key}:") or not error["loc"] else f"{key}: {message}")
    source = f" (file {path}, or TRACE_* environment variables)" if path else ""
    return "invalid configuration" + source + ": " + "; ".join(parts)


def _placeholder(secret: str) -> bool:
    """Empty, of fewer than four distinct characters (``xxxx``, ``0000``), or beginning with a placeholder
    word (``change-me``, ``secret123``, ``<password>``): beginning, so that a random secret is never taken
    for one because a word happens to occur inside it."""
    letters = "".join(c for c in secret.lower() if c.isalnum())
    return len(set(letters)) < 4 or letters.startswith(PLACEHOLDER_WORDS)


def _local_or_reserved(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or any(host == d or host.endswith(f".{d}") for d in ("localhost", *RESERVED_DOMAINS))
    return address.is_loopback or address.is_unspecified or address.is_link_local


def production_refusals(settings: Settings) -> list[str]:
    """What production mode refuses in ``settings``, each naming its key (empty: nothing)."""
    refused = []
    if settings.dev_signing:
        refused.append("dev_signing: development signing is on (the server would sign as 'dev-signer')")
    if not settings.public_base:
        refused.append("public_base: production mode needs the public address labels resolve at (TRACE_PUBLIC_BASE)")
    elif _local_or_reserved(urlsplit(settings.public_base).hostname or ""):
        refused.append(
            f"public_base: {settings.public_base} is a local or example address; labels printed with it would "
            "never resolve for a shopper"
        )
    elif urlsplit(settings.public_base).scheme != "https":
        refused.append(
            f"public_base: {settings.public_base} is not https; every label printed with it would send shoppers "
            "over plain HTTP for ever (and a phone opens its camera only on a secure page)"
        )
    kek = settings.key_encryption_key
    if kek is not None:
        from .service.held_keys import parse_key_encryption_key  # (the service package imports the store)

        try:
            parse_key_encryption_key(kek.get_secret_value())  # 32 bytes of base64, not all alike
        except MalformedError:
            refused.append("key_encryption_key: empty or a placeholder; use 32 random bytes, base64")
    try:
        url = make_url(settings.database_url) if settings.database_url else None
    except ArgumentError:
        url = None  # the store names a bad URL itself
    if url is not None and url.password is not None and _placeholder(str(url.password)):
        refused.append("database_url: its password is empty or a placeholder")
    pgpassword = os.environ.get("PGPASSWORD")
    if (
        url is not None
        and url.get_backend_name() == "postgresql"
        and pgpassword is not None
        and _placeholder(pgpassword)
    ):
        refused.append("PGPASSWORD: the database password is empty or a placeholder")
    return refused


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``config_file`` (else ``TRACE_CONFIG``), the environment and ``overrides`` (strongest
    last), or :class:`ConfigurationError` in one line naming what is wrong."""
    from .settings import Settings

    cls: type[Settings] = Settings
    if config_file is not None:
        cls = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "yaml_file": config_file}})
    try:
        return cls(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(one_line(exc, config_file_of(cls))) from None
