"""The configuration: one YAML file, TRACE_* variables over it, unknown keys and bad values named, and what
production mode refuses; through ``load_settings`` and through the command line (one line, exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ginseng_trace.config import ConfigurationError, load_settings

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = "mode: production\npublic_base: https://trace.jilin-ginseng.cn\n"


@pytest.fixture(autouse=True)
def _no_trace_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACE_CONFIG", "TRACE_MODE", "TRACE_DOCS", "TRACE_PUBLIC_BASE", "TRACE_DEV_SIGNING", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TRACE_KEY_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("TRACE_DATABASE_URL", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def refusal(path: Path | None = None, **overrides: object) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path, **overrides)
    return str(caught.value)


def test_the_file_sets_and_the_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "max_in_flight: 7\nlog_format: json\nrate_limit: 100/minute\n")
    settings = load_settings(path)
    assert (settings.max_in_flight, settings.log_format, settings.rate_limit) == (7, "json", "100/minute")
    monkeypatch.setenv("TRACE_MAX_IN_FLIGHT", "9")
    settings = load_settings(path)
    assert settings.max_in_flight == 9  # the environment over the file
    assert settings.log_format == "json"  # the file's other keys still hold
    assert load_settings(path, data_dir=tmp_path / "d").data_dir == tmp_path / "d"  # an option over both


def test_trace_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACE_CONFIG", str(write(tmp_path, "checkpoint_every: 12\n")))
    assert load_settings().checkpoint_every == 12


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    assert "unknown key 'max_in_flite'" in refusal(write(tmp_path, "max_in_flite: 7\n"))


def test_a_bad_value_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(write(tmp_path, "max_in_flight: 0\n"))
    assert "max_in_flight:" in message
    assert "greater than 0" in message
    assert "log_format:" in refusal(write(tmp_path, "log_format: xml\n"))
    monkeypatch.setenv("TRACE_LOG_FORMAT", "xml")
    assert "log_format:" in refusal()


def test_a_missing_or_broken_file(tmp_path: Path) -> None:
    assert "no such file" in refusal(tmp_path / "absent.yaml")
    assert "not YAML" in refusal(write(tmp_path, "mode: [\n"))
    assert "must map setting names" in refusal(write(tmp_path, "- a list\n"))


def test_production_mode_starts_with_a_public_base_and_turns_docs_off(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, PRODUCTION))
    assert settings.mode == "production"
    assert settings.docs is False
    assert load_settings(write(tmp_path, PRODUCTION + "docs: true\n")).docs is True  # unless set explicitly
    assert load_settings(write(tmp_path, "public_base: http://x.cn\n")).docs is True  # development: on


def test_production_mode_refuses_dev_signing(tmp_path: Path) -> None:
    assert "dev_signing: development signing is on" in refusal(write(tmp_path, PRODUCTION + "dev_signing: true\n"))
    assert "dev_signing:" in refusal(write(tmp_path, PRODUCTION), dev_signing=True)  # serve --dev-signing


@pytest.mark.parametrize(
    "base",
    [
        "",
        "http://0.0.0.0:8000",
        "http://localhost:8000",
        "http://127.0.0.1",
        "http://[::1]:8000",
        "https://trace.example.cn",
        "http://trace.jilin-ginseng.cn",  # a real address, but labels would send shoppers over plain HTTP
    ],
)
def test_production_mode_refuses_a_missing_or_local_public_base(tmp_path: Path, base: str) -> None:
    text = "mode: production\n" + (f"public_base: {base}\n" if base else "")
    assert "public_base:" in refusal(write(tmp_path, text))


def test_production_mode_refuses_placeholder_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, PRODUCTION)
    monkeypatch.setenv("TRACE_KEY_ENCRYPTION_KEY", "change-me")
    assert "key_encryption_key: empty or a placeholder" in refusal(path)
    for placeholder in ("", "A" * 43 + "=", "c2VjcmV0"):  # empty, 32 zero bytes, base64 of "secret"
        monkeypatch.setenv("TRACE_KEY_ENCRYPTION_KEY", placeholder)
        assert "key_encryption_key:" in refusal(path)
    monkeypatch.delenv("TRACE_KEY_ENCRYPTION_KEY")
    monkeypatch.setenv("TRACE_DATABASE_URL", "postgresql+psycopg://ginseng:changeme@db/ginseng_trace")
    assert "database_url: its password" in refusal(path)
    monkeypatch.setenv("TRACE_DATABASE_URL", "postgresql+psycopg://ginseng@db/ginseng_trace")
    for placeholder in ("", "password", "xxxx", "change-me", "<secret>", "Password123"):
        monkeypatch.setenv("PGPASSWORD", placeholder)
        assert "PGPASSWORD:" in refusal(path)
    for real in ("k3J9-vQ2r-Wm7x", "Qz8mxxxsecretT0d0"):  # a word inside a random password is no placeholder
        monkeypatch.setenv("PGPASSWORD", real)
        assert load_settings(path).mode == "production"
    monkeypatch.setenv("TRACE_KEY_ENCRYPTION_KEY", "q9X1s2T3u4V5w6Y7z8A9b0C1d2E3f4G5h6I7j8K9l0M=")
    assert load_settings(path).key_encryption_key is not None


def test_development_mode_refuses_none_of_it(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "dev_signing: true\npublic_base: http://127.0.0.1:8000\n"))
    assert settings.mode == "development"
    assert settings.dev_signing


def test_the_example_file_is_valid() -> None:
    settings = load_settings(REPO / "config.example.yaml")
    assert settings.mode == "production"
    assert settings.log_format == "json"
    assert settings.docs is False


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_") and k != "PGPASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "ginseng_trace.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment, **(env or {})},
        check=False,
    )


def one_line_refusal(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed (it exits 2)."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.slow
def test_serve_refuses_a_bad_configuration_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "mode: production\nmax_in_flite: 3\n")
    data = str(tmp_path / "d")
    assert "unknown key 'max_in_flite'" in one_line_refusal(run_cli("serve", "--config", str(path), "--data-dir", data))
    write(tmp_path, "mode: production\n")
    done = run_cli("serve", "--data-dir", data, env={"TRACE_CONFIG": str(path)})
    assert "public_base:" in one_line_refusal(done)
    done = run_cli("verify", "--data-dir", data, env={"TRACE_MAX_IN_FLIGHT": "lots"})
    assert "max_in_flight:" in one_line_refusal(done)
