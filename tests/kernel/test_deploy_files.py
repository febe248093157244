"""Behaviour of the deployment files: docker-compose.yml and deploy/k8s stay in step with the
service plugins (their processes, ports, topics and settings), without running any of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from pmo_kernel.cloudevents import dlq_topic, topic_for
from pmo_kernel.plugin import ProcessSpec, ServicePlugin, discover
from pmo_kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"

Manifest = dict[str, Any]

PLUGINS = discover()
PROCESSES = [(plugin, spec) for plugin in PLUGINS for spec in plugin.processes]
PROCESS_IDS = [f"{plugin.name}-{spec.name}" for plugin, spec in PROCESSES]
HTTP_PROCESSES = [(plugin, spec) for plugin, spec in PROCESSES if spec.port_setting]
HTTP_IDS = [f"{plugin.name}-{spec.name}" for plugin, spec in HTTP_PROCESSES]
PARTITIONS = Settings().kafka_partitions
TOPIC = re.compile(r"pmo\.[a-z0-9_-]+\.events(?:\.dlq)?")

# Environment variables a pmo process may be given that are not pmo settings.
NOT_SETTINGS = {
    "OTEL_EXPORTER_OTLP_ENDPOINT",  # read by the OpenTelemetry exporter itself
    "POSTGRES_PASSWORD",  # in the shared Secret for the bundled PostgreSQL
}


@cache
def compose() -> Manifest:
    document: Manifest = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


def compose_services() -> dict[str, Manifest]:
    services: dict[str, Manifest] = compose()["services"]
    return services


@cache
def k8s_files() -> dict[str, list[Manifest]]:
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
        for path in sorted(K8S.glob("*.yaml"))
    }


def k8s_manifests() -> list[Manifest]:
    return [doc for docs in k8s_files().values() for doc in docs if doc["kind"] != "Kustomization"]


def of_kind(kind: str) -> list[Manifest]:
    return [doc for doc in k8s_manifests() if doc["kind"] == kind]


def pod_specs() -> Iterator[tuple[Manifest, Manifest]]:
    """(workload, pod spec) for every workload."""
    for doc in k8s_manifests():
        if doc["kind"] in {"Deployment", "StatefulSet", "Job", "DaemonSet"}:
            yield doc, doc["spec"]["template"]["spec"]


def containers(spec: Manifest, *, init: bool = False) -> list[Manifest]:
    found: list[Manifest] = spec["containers"]
    return found + (spec.get("initContainers", []) if init else [])


def image_name(image: str) -> str:
    """`registry/pmo/pmo-demand:1.0` -> `pmo-demand`."""
    return image.rsplit("/", 1)[-1].split("@")[0].split(":")[0]


def modules_of(plugin: ServicePlugin) -> set[str]:
    return {spec.module for spec in plugin.processes} or {f"pmo_{plugin.name}"}


def k8s_runs(plugin: ServicePlugin, process: str) -> list[tuple[Manifest, Manifest]]:
    """(workload, container) running `python -m <module> <process>` from the plugin's image."""
    commands = [["python", "-m", m] for m in modules_of(plugin)]
    return [
        (workload, container)
        for workload, spec in pod_specs()
        for container in containers(spec)
        if image_name(container["image"]) == f"pmo-{plugin.name}"
        and container.get("command") in commands
        and container.get("args", [])[:1] == [process]
    ]


def compose_runs(plugin: ServicePlugin, process: str) -> list[tuple[str, Manifest]]:
    """(name, service) of the compose services running `process` from the plugin's image."""
    dockerfile = f"services/{plugin.name}/Dockerfile"
    return [
        (name, service)
        for name, service in compose_services().items()
        if isinstance(service.get("build"), dict)
        and service["build"].get("dockerfile") == dockerfile
        and service["build"].get("context") == "."
        and service.get("command") == [process]
    ]


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def allowed_environment() -> set[str]:
    per_service = {f"{plugin.name.upper()}_DATABASE_URL" for plugin in PLUGINS}
    # A write service's least-privilege login: its password (which its migrations set) and,
    # in the k8s Secret, the URL its processes' <SERVICE>_DATABASE_URL is taken from.
    per_service |= {
        f"{plugin.name.upper()}_{suffix}"
        for plugin in PLUGINS
        if plugin.app_role is not None
        for suffix in ("APP_PASSWORD", "APP_DATABASE_URL")
    }
    return setting_names() | per_service | NOT_SETTINGS


def producing_topics() -> set[str]:
    return {
        name
        for plugin in PLUGINS
        for service in plugin.produces
        for name in (topic_for(service), dlq_topic(topic_for(service)))
    }


def text_of(value: Any) -> str:
    """Every string in `value` (keys too), one per line: scripts as they will run."""
    if isinstance(value, dict):
        return "\n".join(text_of(k) + "\n" + text_of(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(text_of(item) for item in value)
    return str(value)


# --- the files parse ---------------------------------------------------------------------------


def test_docker_compose_parses_into_services() -> None:
    assert compose_services()
    assert all(isinstance(service, dict) for service in compose_services().values())


def test_every_kubernetes_manifest_parses_with_api_version_kind_and_name() -> None:
    assert k8s_files()
    for name, docs in k8s_files().items():
        assert docs, f"{name} is empty"
        for doc in docs:
            assert {"apiVersion", "kind"} <= set(doc), name
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"], name


def test_the_kustomization_lists_every_manifest_of_the_directory() -> None:
    (kustomization,) = k8s_files()["kustomization.yaml"]
    listed = set(kustomization["resources"])
    assert listed == set(k8s_files()) - {"kustomization.yaml"}


# --- every process runs, in both ---------------------------------------------------------------


@pytest.mark.parametrize(("plugin", "spec"), PROCESSES, ids=PROCESS_IDS)
def test_every_service_process_runs_in_docker_compose(
    plugin: ServicePlugin, spec: ProcessSpec
) -> None:
    assert compose_runs(plugin, spec.name), f"no compose service runs {spec.module} {spec.name}"


@pytest.mark.parametrize(("plugin", "spec"), PROCESSES, ids=PROCESS_IDS)
def test_every_service_process_runs_in_kubernetes(plugin: ServicePlugin, spec: ProcessSpec) -> None:
    assert k8s_runs(plugin, spec.name), f"no k8s container runs {spec.module} {spec.name}"


@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_every_service_image_runs_its_module_as_an_unprivileged_user(
    plugin: ServicePlugin,
) -> None:
    dockerfile = ROOT / "services" / plugin.name / "Dockerfile"
    assert dockerfile.exists(), f"{dockerfile.relative_to(ROOT)} is missing"
    text = dockerfile.read_text(encoding="utf-8")
    entrypoint = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", text, re.MULTILINE)
    assert entrypoint, "no exec-form ENTRYPOINT"
    assert json.loads(entrypoint.group(1)) in [["python", "-m", m] for m in modules_of(plugin)]
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_every_service_schema_is_migrated_by_a_one_shot_job(plugin: ServicePlugin) -> None:
    (_, service), *_ = compose_runs(plugin, "migrate")
    assert service.get("restart", "no") == "no"
    runs = k8s_runs(plugin, "migrate")
    assert runs, f"no k8s Job migrates {plugin.name}"
    assert all(workload["kind"] == "Job" for workload, _ in runs)


# --- HTTP processes: ports, Services, probes -----------------------------------------------------


@pytest.mark.parametrize(("plugin", "spec"), HTTP_PROCESSES, ids=HTTP_IDS)
def test_http_processes_listen_on_all_interfaces_at_their_settings_port(
    plugin: ServicePlugin, spec: ProcessSpec
) -> None:
    assert spec.port_setting is not None
    port = urlparse(getattr(Settings(), spec.port_setting)).port

    for name, service in compose_runs(plugin, spec.name):
        assert service["environment"]["HTTP_BIND_HOST"] == "0.0.0.0", name
        assert f"{port}:{port}" in service.get("ports", []), name
        assert service.get("healthcheck", {}).get("test"), name

    for workload, container in k8s_runs(plugin, spec.name):
        env = {item["name"]: item.get("value") for item in container.get("env", [])}
        assert env.get("HTTP_BIND_HOST") == "0.0.0.0", workload["metadata"]["name"]
        assert port in [p["containerPort"] for p in container["ports"]]
        # Alive while the process answers; ready (sent traffic) while it reaches the database.
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


@pytest.mark.parametrize(("plugin", "spec"), HTTP_PROCESSES, ids=HTTP_IDS)
def test_the_configured_service_urls_reach_the_http_processes(
    plugin: ServicePlugin, spec: ProcessSpec
) -> None:
    assert spec.port_setting is not None
    env_name = spec.port_setting.upper()

    url = urlparse(compose()["x-pmo-environment"][env_name])
    (name, _), *_ = compose_runs(plugin, spec.name)
    assert (url.hostname, url.port) == (name, urlparse(getattr(Settings(), spec.port_setting)).port)

    (config,) = of_kind("ConfigMap")
    url = urlparse(config["data"][env_name])
    (service,) = [s for s in of_kind("Service") if s["metadata"]["name"] == url.hostname]
    (workload, container), *_ = k8s_runs(plugin, spec.name)
    pod_labels = workload["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (service_port,) = [p for p in service["spec"]["ports"] if p["port"] == url.port]
    (container_port,) = [p for p in container["ports"] if p["name"] == service_port["targetPort"]]
    assert container_port["containerPort"] == url.port


# --- topics -------------------------------------------------------------------------------------


def test_compose_creates_exactly_the_producing_services_topics() -> None:
    init = compose_services()["kafka-init"]
    script = text_of(init["command"])
    assert set(TOPIC.findall(script)) == producing_topics()
    assert f"--partitions {PARTITIONS}" in script
    assert set(TOPIC.findall(text_of(compose()))) <= producing_topics()


def test_kubernetes_creates_exactly_the_producing_services_topics_replicated_three_times() -> None:
    (job,) = [job for job in of_kind("Job") if job["metadata"]["name"] == "kafka-topics"]
    script = text_of(containers(job["spec"]["template"]["spec"]))
    assert set(TOPIC.findall(script)) == producing_topics()
    assert f"--partitions {PARTITIONS}" in script
    assert "--replication-factor 3" in script
    assert set(TOPIC.findall(text_of(k8s_manifests()))) <= producing_topics()


def test_the_partition_count_is_the_same_everywhere() -> None:
    (config,) = of_kind("ConfigMap")
    assert int(config["data"]["KAFKA_PARTITIONS"]) == PARTITIONS
    assert int(compose()["x-pmo-environment"]["KAFKA_PARTITIONS"]) == PARTITIONS


def test_kafka_never_creates_topics_on_its_own() -> None:
    assert compose_services()["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    (kafka,) = [s for s in of_kind("StatefulSet") if s["metadata"]["name"] == "kafka"]
    (broker,) = containers(kafka["spec"]["template"]["spec"])
    env = {item["name"]: item.get("value") for item in broker["env"]}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["spec"]["replicas"] == 3


# --- scaling rules ------------------------------------------------------------------------------


def test_a_relay_never_runs_twice() -> None:
    relays = [(p, s) for p, s in PROCESSES if s.name == "relay"]
    assert relays
    for plugin, spec in relays:
        for workload, _ in k8s_runs(plugin, spec.name):
            assert workload["spec"]["replicas"] == 1
            assert workload["spec"]["strategy"]["type"] == "Recreate"
        for name, service in compose_runs(plugin, spec.name):
            assert service.get("scale", 1) == 1, name
            assert service.get("deploy", {}).get("replicas", 1) == 1, name


def test_consumers_run_no_more_replicas_than_partitions() -> None:
    for plugin in PLUGINS:
        if not plugin.consumes:
            continue
        for spec in plugin.processes:
            if spec.port_setting:
                continue  # HTTP processes are not in the consumer group
            for workload, _ in k8s_runs(plugin, spec.name):
                assert 1 <= workload["spec"]["replicas"] <= PARTITIONS


# --- settings and security ---------------------------------------------------------------------


def test_every_environment_variable_given_to_a_pmo_process_is_a_setting() -> None:
    allowed = allowed_environment()
    for plugin in PLUGINS:
        for name, service in compose_services().items():
            if (service.get("build") or {}).get(
                "dockerfile"
            ) == f"services/{plugin.name}/Dockerfile":
                assert set(service["environment"]) <= allowed, name
    (config,) = of_kind("ConfigMap")
    assert set(config["data"]) <= allowed
    (secret,) = of_kind("Secret")
    assert set(secret["stringData"]) <= allowed
    for workload, spec in pod_specs():
        for container in containers(spec):
            if image_name(container["image"]).startswith("pmo-"):
                names = {item["name"] for item in container.get("env", [])}
                assert names <= allowed, workload["metadata"]["name"]


def test_compose_dependencies_name_services_that_can_satisfy_them() -> None:
    services = compose_services()
    for name, service in services.items():
        for target, rule in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), target
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", target


def test_every_kubernetes_container_runs_as_non_root_within_resource_limits() -> None:
    for workload, spec in pod_specs():
        name = workload["metadata"]["name"]
        pod_context = spec.get("securityContext", {})
        for container in containers(spec, init=True):
            context = {**pod_context, **container.get("securityContext", {})}
            assert context.get("runAsNonRoot") is True, name
            assert context.get("runAsUser", 1) != 0, name
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), name
            assert "memory" in resources.get("limits", {}), name
