"""The image and compose.yaml (issue 15), checked without a Docker engine: the wheel `pip install .` makes
inside the image is built here from exactly the files the Dockerfile copies, and compose.yaml validates
against the Compose Specification's JSON schema (vendored by scripts/vendor_compose_schema.sh) and wires the
service as the README says."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from ginseng_trace.config import ConfigurationError, load_settings, production_refusals

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parents[1] / "vendor" / "compose-spec" / "compose-spec.json"


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, as (instruction, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def copied(into: Path) -> None:
    """Copy into ``into`` (the image's WORKDIR) exactly what the Dockerfile's COPY lines copy there."""
    for instruction, arguments in dockerfile():
        if instruction != "COPY":
            continue
        *sources, destination = [a for a in shlex.split(arguments) if not a.startswith("--")]
        for source in sources:
            target = into / destination / Path(source).name if destination.endswith("/") else into / destination
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target)


@pytest.mark.slow  # a wheel build
def test_the_image_install_step_builds_from_what_the_dockerfile_copies(tmp_path: Path) -> None:
    context = tmp_path / "app"
    context.mkdir()
    copied(context)
    out = tmp_path / "wheel"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), "."],
        cwd=context,
        check=False,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = out.glob("ginseng_trace-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "ginseng_trace/schemas/rules.yaml",
        "ginseng_trace/api/templates/lot.html",
        "ginseng_trace/api/static/verify.js",
        "ginseng_trace/store/migrations/env.py",
    ):
        assert needed in names, needed
    schemas = {n for n in names if n.startswith("ginseng_trace/schemas/") and n.endswith(".yaml")}
    assert len(schemas) == len(list((ROOT / "schemas").rglob("*.yaml")))  # every schema, events' included


def test_the_data_directory_exists_in_the_image_owned_by_the_service_user() -> None:
    steps = dockerfile()
    env = " ".join(a for i, a in steps if i == "ENV")
    [data_dir] = re.findall(r"TRACE_DATA_DIR=(\S+)", env)
    [user] = [a for i, a in steps if i == "USER"]
    made = " ".join(a for i, a in steps if i == "RUN")
    assert re.search(rf"install -d -o {user} -g {user} -m 0700 {re.escape(data_dir)}", made)
    assert data_dir in " ".join(a for i, a in steps if i == "VOLUME")
    assert "TRACE_DOCS=false" in env


def interpolated(text: str, values: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:?message} and ${VAR:-default}, from ``values``."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in values:
            return values[name]
        assert op != ":?", f"{name} is required: {rest}"
        return rest if op == ":-" else ""

    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:\?|:-)([^}]*))?\}", one, text)


def compose(values: dict[str, str]) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(interpolated((ROOT / "compose.yaml").read_text(), values))
    return loaded


def test_compose_validates_against_the_compose_specification() -> None:
    values = {"POSTGRES_PASSWORD": "p@ss/w:rd#1", "TRACE_PUBLIC_BASE": "https://trace.example.cn"}
    document = compose(values)
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    broken = {**document, "services": {**document["services"], "ledger": {**document["services"]["ledger"]}}}
    broken["services"]["ledger"]["restart_policy"] = "always"  # not a Compose key: the schema catches it
    assert not validator.is_valid(broken)


def test_compose_wires_the_service_as_documented() -> None:
    values = {"POSTGRES_PASSWORD": "p@ss/w:rd#1", "TRACE_PUBLIC_BASE": "https://trace.example.cn"}
    services = compose(values)["services"]
    ledger, db = services["ledger"], services["db"]
    env = ledger["environment"]
    assert env["TRACE_PUBLIC_BASE"] == "https://trace.example.cn"  # labels point at the public address
    assert values["POSTGRES_PASSWORD"] not in env["TRACE_DATABASE_URL"]  # never pasted into the URL...
    assert env["PGPASSWORD"] == values["POSTGRES_PASSWORD"]  # ...libpq reads it as it is
    assert env["TRACE_DOCS"] == "false"
    assert {ledger["restart"], db["restart"]} == {"unless-stopped"}
    assert ledger["depends_on"]["db"]["condition"] == "service_healthy"
    probe = db["healthcheck"]["test"]
    assert "-h" in probe  # over TCP, not the Unix socket
    assert probe[probe.index("-h") + 1] == "127.0.0.1"
    [data_dir] = re.findall(r"TRACE_DATA_DIR=(\S+)", " ".join(a for i, a in dockerfile() if i == "ENV"))
    assert f"ledger-data:{data_dir}" in ledger["volumes"]
    for required in ("POSTGRES_PASSWORD", "TRACE_PUBLIC_BASE"):
        with pytest.raises(AssertionError, match=f"{required} is required"):
            compose({k: v for k, v in values.items() if k != required})


def test_compose_runs_the_ledger_in_production_mode_with_shared_limits_and_readiness(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    values = {"POSTGRES_PASSWORD": "Kq7#vR2!mZp9", "TRACE_PUBLIC_BASE": "https://trace.jl-ginseng.cn"}
    services = compose(values)["services"]
    ledger = services["ledger"]
    env = ledger["environment"]
    assert env["TRACE_MODE"] == "production"
    assert env["TRACE_LIMITS_STORAGE"] == "redis://limits:6379/0"  # one limit across the workers
    assert int(env["TRACE_WORKERS"]) > 1
    assert services["limits"]["image"].startswith("redis:")
    assert ledger["depends_on"]["limits"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(ledger["healthcheck"]["test"])
    assert services["witness"]["profiles"] == ["witness"]
    assert services["replica"]["profiles"] == ["replica"]
    for service in services.values():  # every script a service mounts is in the repository
        for volume in service.get("volumes", []):
            if volume.startswith("./"):
                assert (ROOT / volume.split(":")[0]).is_file(), volume
    # the environment compose gives the ledger passes production mode's checks; an example address does not
    for name, value in env.items():
        monkeypatch.setenv(name, "" if value is None else str(value))  # compose passes an empty value
    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path))
    settings = load_settings(None)
    assert production_refusals(settings) == []
    assert settings.docs is False
    assert settings.database_read_url is None  # the replica profile is off unless its URL is given
    monkeypatch.setenv("TRACE_PUBLIC_BASE", "https://trace.example.cn")
    with pytest.raises(ConfigurationError, match="public_base"):
        load_settings(None)
