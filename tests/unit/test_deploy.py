"""The deployment files, checked against the code: docker-compose.yml parses, has Kafka in
KRaft mode, PostgreSQL, the workers and the dashboard, and every WIREWATCH_* variable it
gives is a setting the code reads, with a value that setting accepts and that points at
the right service and port. (No Docker engine here: this is what can be checked
without one.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from pipeline.cli.main import main as cli
from pipeline.settings import STAGES, Settings
from tests.support.paths import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
WIREWATCH_SERVICES = ("worker", "events", "dashboard")
WORKER_SERVICES = ("worker", "events")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services(compose: dict[str, Any]) -> dict[str, Any]:
    return dict(compose["services"])


def env_file(path: Path) -> dict[str, str]:
    """Compose's env_file syntax: KEY=VALUE lines, # comments, blank lines."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f"{path.name}:{number}: not KEY=VALUE: {line!r}"
        key, value = line.split("=", 1)
        assert " #" not in value, f"{path.name}:{number}: no inline comments in env files"
        values[key.strip()] = value
    return values


def environment(service: dict[str, Any]) -> dict[str, str]:
    """What a service's container gets: its env_file(s), then its environment."""
    values: dict[str, str] = {}
    files = service.get("env_file", [])
    for name in [files] if isinstance(files, str) else files:
        path = ROOT / name
        assert path.is_file(), f"env_file {name} is missing"
        values.update(env_file(path))
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    values.update({k: str(v) for k, v in env.items()})
    return values


def settings_of(service: dict[str, Any]) -> Settings:
    env = {k: v for k, v in environment(service).items() if k.startswith("WIREWATCH_")}
    fields = set(Settings.model_fields)
    unknown = {k for k in env if k.removeprefix("WIREWATCH_").lower() not in fields}
    assert not unknown, f"variables no setting reads: {sorted(unknown)}"
    values = {k.removeprefix("WIREWATCH_").lower(): v for k, v in env.items()}
    return Settings(**values)  # raises when a value is not valid for its setting


def container_ports(service: dict[str, Any]) -> set[int]:
    ports = {int(str(p).split(":")[-1].split("/")[0]) for p in service.get("ports", [])}
    return ports | {int(str(p).split("/")[0]) for p in service.get("expose", [])}


def test_the_services_are_there(compose: dict[str, Any]) -> None:
    assert {"kafka", "postgres", *WIREWATCH_SERVICES} <= set(services(compose))
    assert "zookeeper" not in services(compose)


def test_kafka_runs_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = services(compose)["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{node}@kafka:")
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in env["KAFKA_LISTENERS"]


def test_wirewatch_settings_are_real_and_point_at_the_services(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    kafka_env = environment(all_services["kafka"])
    advertised = {
        listener.split("://", 1)[1]
        for listener in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    postgres_env = environment(all_services["postgres"])
    for name in WIREWATCH_SERVICES:
        settings = settings_of(all_services[name])
        # Kafka: every bootstrap server is an advertised listener of the kafka service.
        assert settings.bootstrap_servers, f"{name}: no bootstrap servers: embedded broker"
        for server in settings.bootstrap_servers.split(","):
            assert server in advertised, f"{name}: {server} is not a listener of kafka"
        # PostgreSQL: host, user, password and database of the postgres service.
        url = make_url(settings.database)
        assert url.get_backend_name() == "postgresql"
        assert url.host == "postgres" and (url.port or 5432) == 5432
        assert url.username == postgres_env["POSTGRES_USER"]
        assert url.password == postgres_env["POSTGRES_PASSWORD"]
        assert url.database == postgres_env["POSTGRES_DB"]
        # shipped in the image (the package wheels): no download at run time
        assert settings.model in ("use-m3", "minilm")


def test_commands_are_wirewatch_commands(compose: dict[str, Any]) -> None:
    assert services(compose)["dashboard"]["command"] == ["dashboard"]
    for name in WIREWATCH_SERVICES:
        command = services(compose)[name]["command"]
        assert command[0] in cli.commands, f"{name}: `wirewatch {command[0]}` does not exist"
        parameters = {p.opts[-1] for p in cli.commands[command[0]].params}
        flags = {word for word in command[1:] if word.startswith("--")}
        assert flags <= parameters, f"{name}: `wirewatch {command[0]}` has no {flags - parameters}"


def test_the_workers_run_every_stage_and_the_event_stage_alone(compose: dict[str, Any]) -> None:
    stages = {}
    for name in WORKER_SERVICES:
        command = services(compose)[name]["command"]
        assert command[0] == "run"
        stages[name] = Settings(stages=command[command.index("--stages") + 1]).stage_set
    assert set().union(*stages.values()) == set(STAGES)
    assert stages["events"] == {"events"}  # the single writer's core is its own
    assert "replicas" not in services(compose)["events"].get("deploy", {})


def test_ports_match_the_settings(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    worker, dashboard = all_services["worker"], all_services["dashboard"]
    worker_settings, dashboard_settings = settings_of(worker), settings_of(dashboard)
    for name in WORKER_SERVICES:
        assert settings_of(all_services[name]).web_host == "0.0.0.0"  # reachable by Prometheus
        assert worker_settings.web_port in container_ports(all_services[name])
    assert dashboard_settings.dashboard_host == "0.0.0.0"
    published = {str(p) for p in dashboard["ports"]}
    assert f"{dashboard_settings.dashboard_port}:{dashboard_settings.dashboard_port}" in published
    # Health checks and Prometheus use the same ports.
    assert f":{worker_settings.web_port}/metrics" in " ".join(worker["healthcheck"]["test"])
    assert f":{dashboard_settings.dashboard_port}/healthz" in " ".join(
        dashboard["healthcheck"]["test"]
    )
    prometheus = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    targets = prometheus["scrape_configs"][0]["dns_sd_configs"][0]
    assert targets["names"] == list(WORKER_SERVICES) and targets["port"] == worker_settings.web_port


def test_one_embedding_partition_per_worker(compose: dict[str, Any]) -> None:
    worker = services(compose)["worker"]
    assert settings_of(worker).work_partitions == worker["deploy"]["replicas"]


def test_the_image_installs_cpu_torch_first(compose: dict[str, Any]) -> None:
    for name in WIREWATCH_SERVICES:
        build = services(compose)[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    makefile_torch = re.search(r"torch==([\d.]+)", (ROOT / "Makefile").read_text())
    assert makefile_torch is not None
    torch_line = dockerfile.index(f"torch=={makefile_torch.group(1)}")
    assert "/whl/cpu" in dockerfile
    assert torch_line < dockerfile.index("pip install .")
    for path in ("pipeline", "agents", "schemas", "pyproject.toml"):
        assert f"COPY {path}" in dockerfile


def test_depends_on_healthy_kafka_and_postgres(compose: dict[str, Any]) -> None:
    for name in WIREWATCH_SERVICES:
        needs = services(compose)[name]["depends_on"]
        assert needs["kafka"]["condition"] == "service_healthy"
        assert needs["postgres"]["condition"] == "service_healthy"
