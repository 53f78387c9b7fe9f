"""The container files say what the code does: commands, options, settings and paths.

No container engine runs where the tests run, so the image itself is not built here (see
the README's production section). What can drift silently is checked instead: every `sada`
command line in `deploy/compose.yaml` and the `Dockerfile` parses with the real CLI, every
`SADA_*` variable they set is a setting Sada reads, the files the Dockerfile copies exist,
and the health URLs they probe are routes of the app.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sada.cli.main import app as cli
from sada.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _services() -> dict[str, dict[str, Any]]:
    return dict(COMPOSE["services"])


def _sada_commands() -> list[tuple[str, list[str]]]:
    found = [
        (name, list(service["command"]))
        for name, service in _services().items()
        if isinstance(service.get("command"), list) and service["command"][0] == "sada"
    ]
    for line in re.findall(r"^CMD (\[.*\])$", DOCKERFILE, flags=re.M):
        found.append(("Dockerfile CMD", json.loads(line)))
    return found


def test_compose_runs_sada_everywhere_it_should() -> None:
    names = {name for name, _ in _sada_commands()}
    assert {"migrate", "api1", "worker", "worker-urgent", "Dockerfile CMD"} <= names


@pytest.mark.parametrize(("where", "command"), _sada_commands(), ids=lambda v: str(v)[:40])
def test_every_sada_command_line_parses(where: str, command: list[str]) -> None:
    # --help after the real arguments: an unknown command or option still fails (exit 2).
    result = CliRunner().invoke(cli, [*command[1:], "--help"])
    assert result.exit_code == 0, (where, command, result.output)


def test_every_sada_variable_is_a_setting() -> None:
    known = {f"SADA_{field.upper()}" for field in Settings.model_fields}
    env = COMPOSE["x-sada"]["environment"]
    used = {key for key in env if key.startswith("SADA_")}
    used |= set(re.findall(r"\b(SADA_[A-Z_]+)=", DOCKERFILE))
    assert used and used <= known, sorted(used - known)


def test_the_dockerfile_copies_files_that_exist() -> None:
    for line in re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE, flags=re.M):
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), source


def test_health_probes_ask_routes_the_app_has(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sada.app import create_app

    probes = re.findall(r"http://127\.0\.0\.1:8000(/[a-z]+)", DOCKERFILE)
    for service in _services().values():
        test = (service.get("healthcheck") or {}).get("test") or []
        probes += re.findall(r"http://127\.0\.0\.1:8000(/[a-z]+)", " ".join(test))
    assert set(probes) == {"/healthz", "/readyz"}, probes
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'probe.db'}", run_jobs_in_process=False
    )
    with TestClient(create_app(settings)) as client:
        for path in set(probes):
            assert client.get(path).status_code == 200, path
