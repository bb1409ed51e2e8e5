"""The deployment files (Dockerfile, .dockerignore, deploy/) checked against the code they run:
one image everywhere, commands whose modules and files exist, the code's ports and health
paths, only variables the code reads, and secrets only from a Secret or the environment."""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.logging_setup import SECRET_VARIABLES
from bot.processes import action_server_command, rasa_server_command

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "deploy" / "compose.yml"
HELM_VALUES = ROOT / "deploy" / "helm" / "rasa-values.yaml"
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
SECRET_TEMPLATE = K8S / "secret.template.yaml"
ENDPOINTS_CLUSTER = ROOT / "endpoints.cluster.yml"

# Set in deployment files though bot/ and actions/ do not read them: read by Python, Rasa or
# SQLAlchemy (the Makefile exports the same for every process).
RUNTIME_VARIABLES = {"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONWARNINGS",
                     "SQLALCHEMY_SILENCE_UBER_WARNING", "RASA_TELEMETRY_ENABLED",
                     # Rasa's (rasa/utils/tensorflow/environment.py); bot/cli.py sets them too
                     "TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS",
                     # Sanic's (the action server's web server); bot/processes.py sets it too
                     "SANIC_KEEP_ALIVE_TIMEOUT"}
# Secret values (the ones our logs redact, plus the log pseudonym key) and URLs that carry
# passwords: only ever from a Secret (Kubernetes) or the environment / deploy/.env (compose).
SECRETS = set(SECRET_VARIABLES) | {"LOG_PSEUDONYM_KEY"}
SECRET_URLS = {"DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL"}
# Each process needs these; a missing token would be generated per process (bot.settings
# local_secret) and then not match the other processes'. LOG_PSEUDONYM_KEY: one pseudonym per
# conversation in every process's logs.
NEEDS = {
    "rasa": {"ACTION_ENDPOINT_URL", "TRACKER_STORE_URL", "REDIS_URL", "DATABASE_URL",
             "RASA_API_TOKEN", "CHANNEL_TOKEN", "LOG_PSEUDONYM_KEY"},
    "actions": {"DATABASE_URL", "LOG_PSEUDONYM_KEY", "SANIC_KEEP_ALIVE_TIMEOUT"},
    "web": {"WEB_HOST", "RASA_URL", "RASA_API_TOKEN", "CHANNEL_TOKEN", "WEB_SECRET_KEY",
            "DATABASE_URL", "LOG_PSEUDONYM_KEY"},
    "telegram": {"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_LISTEN", "RASA_URL", "CHANNEL_TOKEN",
                 "LOG_PSEUDONYM_KEY"},
    "checkins": {"DATABASE_URL", "TRACKER_STORE_URL", "RASA_URL", "RASA_API_TOKEN",
                 "LOG_PSEUDONYM_KEY"},
    "balancer": set(),  # only in compose: in Kubernetes the Rasa chart's Service balances
}
PLACEHOLDER = "CHANGE-ME"


# ---- what the code says ----------------------------------------------------------------

def _env_reads(tree: ast.AST) -> set[str]:
    """Variable names a module reads: os.environ.get/[...]/setdefault, an alias of
    os.environ, local_secret("X", ...), _positive("X", ...); names given as module constants
    (or loops over a constant tuple, as logging_setup's SECRET_VARIABLES) are resolved."""
    constants: dict[str, list[str]] = {}
    aliases = {"environ"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants[name] = [value.value]
            elif isinstance(value, (ast.Tuple, ast.List)) and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
                constants[name] = [e.value for e in value.elts]
            elif isinstance(value, ast.Attribute) and value.attr == "environ":
                aliases.add(name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                and isinstance(node.iter, ast.Name) and node.iter.id in constants:
            constants.setdefault(node.target.id, constants[node.iter.id])

    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
            (isinstance(node, ast.Name) and node.id in aliases)

    def strings(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        return constants.get(node.id, []) if isinstance(node, ast.Name) else []

    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in {"get", "setdefault"}
                    and is_environ(func.value)) or \
                    getattr(func, "id", getattr(func, "attr", None)) in {
                        "getenv", "local_secret", "_positive"}:
                found.update(strings(node.args[0]))
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            found.update(strings(node.slice))
    return {name for name in found if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


@lru_cache(maxsize=None)
def code_variables() -> frozenset[str]:
    """Every environment variable bot/ and actions/ read, and every ${X} in the endpoints
    and credentials files (Rasa reads those)."""
    names: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("actions/**/*.py")]:
        names |= _env_reads(ast.parse(path.read_text(), str(path)))
    for path in [*ROOT.glob("endpoints*.yml"), ROOT / "credentials.yml"]:
        names |= set(re.findall(r"\$\{(\w+)\}", path.read_text()))
    return frozenset(names)


def code_default(relative: str, variable: str) -> int:
    """The default in `os.environ.get(variable, default)` in a module."""
    tree = ast.parse((ROOT / relative).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and len(node.args) == 2 \
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == variable:
            return int(ast.literal_eval(node.args[1]))
    raise AssertionError(f"{relative}: no os.environ.get({variable!r}, default)")


@lru_cache(maxsize=None)
def ports() -> dict[str, int]:
    return {"rasa": code_default("bot/cli.py", "RASA_PORT"),
            "actions": code_default("bot/cli.py", "ACTION_PORT"),
            "web": code_default("bot/web/__main__.py", "WEB_PORT"),
            "telegram": code_default("bot/telegram_gateway/config.py", "TELEGRAM_WEBHOOK_PORT")}


def _package_file(package: str, relative: str) -> str:
    origin = importlib.util.find_spec(package).origin  # finds without importing
    return (Path(origin).parent / relative).read_text()


@lru_cache(maxsize=None)
def health_paths() -> dict[str, str]:
    web = re.search(r'Route\("([^"]+)", healthz\)', (ROOT / "bot/web/app.py").read_text())
    actions = re.search(r'@app\.get\("([^"]+)"\)\s*\n\s*async def health\b',
                        _package_file("rasa_sdk", "endpoint.py"))
    assert web and actions, "health routes not found in bot/web/app.py or rasa_sdk/endpoint.py"
    return {"web": web.group(1), "actions": actions.group(1)}


# ---- what the deployment files say ---------------------------------------------------------

@dataclass
class Process:
    where: str             # file and service/container, for messages
    kind: str | None       # rasa, actions, web, telegram, checkins
    image: str
    argv: list[str]
    env: dict[str, tuple]  # name -> ("literal", value) | ("secret", name, key, optional)
    #                        | ("configmap", name, key, value) | ("environment", text or None)
    ports: dict[str, int] = field(default_factory=dict)  # name (or str(number)) -> number
    raw: dict = field(default_factory=dict)


def process_kind(argv: list[str]) -> str | None:
    if argv[:3] == ["rasa", "run", "actions"]:
        return "actions"
    if argv[:2] == ["python", "-m"] and len(argv) > 2:
        return {"bot.rasa_server": "rasa", "bot.balancer": "balancer", "bot.web": "web",
                "bot.telegram_gateway": "telegram", "bot.checkins": "checkins"}.get(argv[2])
    return None


def dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in lines if line and not line.startswith("#")]


def image_labels() -> dict[str, str]:
    labels = " ".join(args for op, args in dockerfile() if op == "LABEL")
    return dict(re.findall(r'([\w.]+)="([^"]*)"', labels))


def expected_image() -> tuple[str, str]:
    labels = image_labels()
    return labels["org.opencontainers.image.title"], labels["org.opencontainers.image.version"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def compose_processes() -> list[Process]:
    found = []
    for name, service in load(COMPOSE)["services"].items():
        command = service.get("command") or []
        argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, None)
                               for item in environment)
        env = {key: ("environment", value) if value is None or "${" in str(value)
               else ("literal", str(value)) for key, value in environment.items()}
        published = {str(p).rsplit(":", 1)[-1]: int(str(p).rsplit(":", 1)[-1])
                     for p in service.get("ports") or []}
        found.append(Process(f"{COMPOSE.relative_to(ROOT)} service {name}", process_kind(argv),
                             service.get("image", ""), argv, env, published, service))
    return found


def k8s_documents() -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path in (KUSTOMIZATION, SECRET_TEMPLATE):
            continue
        docs += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def config_maps() -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc.get("data") or {}
            for _, doc in k8s_documents() if doc["kind"] == "ConfigMap"}


def k8s_env(container: dict, where: str) -> dict[str, tuple]:
    env: dict[str, tuple] = {}
    maps = config_maps()
    for source in container.get("envFrom") or []:
        assert "configMapRef" in source, f"{where}: envFrom other than a ConfigMap: {source}"
        name = source["configMapRef"]["name"]
        assert name in maps, f"{where}: envFrom ConfigMap {name!r} is not in deploy/k8s"
        env.update({key: ("configmap", name, key, value) for key, value in maps[name].items()})
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = ("literal", str(item["value"]))
        elif "secretKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", ref["name"], ref["key"], bool(ref.get("optional")))
        elif "configMapKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = ("configmap", ref["name"], ref["key"],
                                 maps.get(ref["name"], {}).get(ref["key"]))
        else:
            raise AssertionError(f"{where}: env {item['name']} has neither a value nor a "
                                 f"Secret/ConfigMap reference")
    return env


def k8s_processes() -> list[Process]:
    found = []
    for path, doc in k8s_documents():
        if doc["kind"] != "Deployment":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            where = f"{path.relative_to(ROOT)} container {container['name']}"
            argv = [*container.get("command", []), *container.get("args", [])]
            ports_ = {}
            for port in container.get("ports") or []:
                ports_[str(port["containerPort"])] = port["containerPort"]
                if "name" in port:
                    ports_[port["name"]] = port["containerPort"]
            found.append(Process(where, process_kind(argv), container["image"], argv,
                                 k8s_env(container, where), ports_,
                                 {**container, "deployment": doc}))
    return found


def helm_process() -> Process:
    values = load(HELM_VALUES)
    where = str(HELM_VALUES.relative_to(ROOT))
    argv = [*values.get("command", []), *values.get("args", [])]
    image = f"{values['image']['repository']}:{values['image']['tag']}"
    port = values["applicationSettings"]["port"]
    env = k8s_env({"env": values.get("extraEnv") or []}, where)
    return Process(where, process_kind(argv), image, argv, env,
                   {"http": port, str(port): port}, values)


def all_processes() -> list[Process]:
    return [p for p in [*compose_processes(), *k8s_processes(), helm_process()] if p.kind]


def options(argv: list[str]) -> dict[str, str | None]:
    """`--flag value` and bare `--flag` options of a command line."""
    found: dict[str, str | None] = {}
    for index, arg in enumerate(argv):
        if arg.startswith("--"):
            following = argv[index + 1] if index + 1 < len(argv) else None
            found[arg] = None if following is None or following.startswith("--") else following
    return found


def relative(argv: list[str]) -> list[str]:
    """A command of bot.processes with project paths relative, as in the image's WORKDIR."""
    return [str(Path(a).relative_to(ROOT)) if Path(a).is_relative_to(ROOT) else a for a in argv]


def resolved(source: tuple) -> str | None:
    """A variable's value when the file states it (a literal, a ConfigMap, compose text)."""
    return {"literal": lambda: source[1], "configmap": lambda: source[3],
            "environment": lambda: source[1]}.get(source[0], lambda: None)()


# ---- the tests -----------------------------------------------------------------------------

def test_the_dockerfile_builds_as_make_install_and_trains_the_model():
    instructions = dockerfile()
    froms = [args for op, args in instructions if op == "FROM"]
    assert froms == ["python:3.10-slim"], f"Dockerfile: FROM {froms}, want python:3.10-slim only"
    recipe = re.search(r"^\t\S*pip install (.+)$", (ROOT / "Makefile").read_text(), re.M)
    make_args = shlex.split(recipe.group(1))
    wanted = [" ".join(make_args[i:i + 2]) for i, a in enumerate(make_args) if a in ("-r", "-c")]
    runs = [args for op, args in instructions if op == "RUN"]
    pip = [i for i, run in enumerate(runs) if "pip install" in run]
    assert pip and all(w in runs[pip[0]] for w in wanted), \
        f"Dockerfile: no `pip install {' '.join(wanted)}` as the Makefile's install target has"
    train = [i for i, run in enumerate(runs) if "python -m bot.training" in run]
    assert train and train[0] > pip[0], \
        "Dockerfile: the model is not trained (python -m bot.training) after the install"
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, \
        f"Dockerfile: the processes run as root (USER {users})"
    workdir = [args for op, args in instructions if op == "WORKDIR"][-1]
    assert workdir != "/app", ("Dockerfile: WORKDIR /app is where Rasa's Helm chart mounts its "
                               "own endpoints.yml and credentials.yml over ours")
    env_text = " ".join(args for op, args in instructions if op in ("ENV", "ARG"))
    env_names = set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", env_text))
    assert f"PYTHONPATH={workdir}" in env_text, \
        f"Dockerfile: PYTHONPATH is not {workdir}; `rasa run` could not import bot.*"
    assert not env_names & (SECRETS | SECRET_URLS), \
        f"Dockerfile: secrets baked into the image: {sorted(env_names & (SECRETS | SECRET_URLS))}"
    unknown = env_names - code_variables() - RUNTIME_VARIABLES
    assert not unknown, f"Dockerfile: ENV no code reads: {sorted(unknown)}"
    title, version = expected_image()
    assert title and version, "Dockerfile: image title/version labels missing"


def test_the_build_context_leaves_local_state_and_secrets_out():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    missing = {".git", ".venv", "var", "models", ".rasa", ".env"} - ignored
    assert not missing, f".dockerignore: does not exclude {sorted(missing)}"
    needed = {"endpoints.cluster.yml", "credentials.yml", "logging.yml", "hospital.yml", "docs",
              "bot", "actions", "domain", "data", "config.yml"} & ignored
    assert not needed, f".dockerignore: excludes files the processes need: {sorted(needed)}"


def test_every_process_runs_the_image_the_dockerfile_builds():
    title, version = expected_image()
    for process in all_processes():
        name, _, tag = process.image.rpartition(":")
        assert name.rsplit("/", 1)[-1] == title and tag == version, \
            f"{process.where}: image {process.image!r}, want {title}:{version} (Dockerfile labels)"
    for name, service in load(COMPOSE)["services"].items():
        if service.get("build"):
            context = (COMPOSE.parent / service["build"]["context"]).resolve()
            assert context == ROOT and (context / service["build"]["dockerfile"]) == DOCKERFILE, \
                f"{COMPOSE.relative_to(ROOT)} service {name}: builds from {context}, not the Dockerfile"
    images = load(KUSTOMIZATION)["images"]
    assert [(i["name"], str(i["newTag"])) for i in images] == [(title, version)], \
        f"{KUSTOMIZATION.relative_to(ROOT)}: images {images}, want {title} tagged {version}"


def test_every_process_is_deployed_once_per_target():
    # Compose: two Rasa servers behind our balancer, as `RASA_SERVERS=2 make run`.
    compose = sorted(p.kind for p in compose_processes() if p.kind)
    assert compose == sorted([*NEEDS, "rasa"]), f"{COMPOSE.relative_to(ROOT)}: processes {compose}"
    balancer = next(p for p in compose_processes() if p.kind == "balancer")
    servers = sorted(p.where.rsplit(" ", 1)[-1] for p in compose_processes() if p.kind == "rasa")
    upstreams = sorted(urlsplit(a).hostname for a in balancer.argv if a.startswith("http"))
    assert upstreams == servers and options(balancer.argv)["--port"] == str(ports()["rasa"]), \
        f"{balancer.where}: balances {upstreams} on {options(balancer.argv)['--port']}, " \
        f"the Rasa services are {servers} on {ports()['rasa']}"
    k8s = sorted(p.kind for p in k8s_processes())
    assert k8s == sorted(set(NEEDS) - {"rasa", "balancer"}), \
        f"deploy/k8s: processes {k8s} (Rasa is Helm's, its Service balances)"
    assert helm_process().kind == "rasa", f"{HELM_VALUES.relative_to(ROOT)}: not the Rasa server"
    for process in compose_processes():
        if process.image.startswith(expected_image()[0]):
            assert process.kind, f"{process.where}: our image with an unknown command {process.argv}"


def test_commands_run_modules_and_files_that_exist():
    ignored = DOCKERIGNORE.read_text().split()
    local = relative(action_server_command(ports()["actions"]))[1:]
    for process in all_processes():
        argv = process.argv
        if argv[0] == "python":
            module = ROOT / argv[2].replace(".", "/")
            assert (module / "__main__.py").exists() or module.with_suffix(".py").exists(), \
                f"{process.where}: `python -m {argv[2]}`: no such module"
        if process.kind == "actions":
            assert argv[1:] == local, f"{process.where}: {argv[1:]}, bot.processes starts {local}"
            assert (ROOT / options(argv)["--actions"] / "__init__.py").exists()
        elif process.kind == "rasa":
            # As bot.processes starts one, on all interfaces, with the cluster's endpoints.
            flags = options(argv)
            token = flags.pop("--auth-token", None) or ""
            command = relative(rasa_server_command("0.0.0.0", ports()["rasa"], "TOKEN",
                                                   ENDPOINTS_CLUSTER.name))
            want = options(command)
            want.pop("--auth-token")
            assert argv[1:4] == command[1:4] and flags == want, \
                f"{process.where}: {argv[:4]} {flags}, bot.processes starts {command[1:4]} {want}"
            assert re.fullmatch(r"\$\{RASA_API_TOKEN(:\?[^}]*)?\}|\$\(RASA_API_TOKEN\)", token), \
                f"{process.where}: --auth-token {token!r} is not the RASA_API_TOKEN variable"
            for name in (flags["--endpoints"], flags["--credentials"], flags["--logging-config-file"]):
                assert (ROOT / name).exists() and name not in ignored, \
                    f"{process.where}: {name} missing or kept out of the image"
    assert any("python -m bot.training" in args for op, args in dockerfile() if op == "RUN"), \
        "Dockerfile: `--model models` needs the model trained into the image"


def test_ports_and_addresses_are_the_codes():
    for process in all_processes():
        want = ports().get(process.kind)  # the scheduler listens on nothing
        if process.kind in ("rasa", "actions"):
            assert options(process.argv)["--port"] == str(want), \
                f"{process.where}: --port {options(process.argv)['--port']}, the code's is {want}"
        # Compose publishes only what a proxy needs (not the action server): any it does.
        compose = process.where.startswith("deploy/compose")
        if want and (process.ports or not compose):
            assert set(process.ports.values()) == {want}, \
                f"{process.where}: ports {sorted(set(process.ports.values()))}, the code's is {want}"
        env = {name: resolved(source) for name, source in process.env.items()}
        for name, value in {"WEB_PORT": str(ports()["web"]), "WEB_HOST": "0.0.0.0",
                            "TELEGRAM_WEBHOOK_PORT": str(ports()["telegram"]),
                            "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0"}.items():
            if name in env:
                assert env[name] == value, f"{process.where}: {name}={env[name]!r}, want {value!r}"
        assert env.get("SANIC_HOST") in (None, "0.0.0.0"), \
            f"{process.where}: SANIC_HOST={env['SANIC_HOST']} hides the action server"
        for name, kind, path in [("RASA_URL", "rasa", ""), ("ACTION_ENDPOINT_URL", "actions", "/webhook")]:
            if env.get(name):
                url = urlsplit(env[name])
                assert url.port == ports()[kind] and url.path.rstrip("/") == path, \
                    f"{process.where}: {name}={env[name]}, want port {ports()[kind]}, path {path!r}"
    values = load(HELM_VALUES)
    assert values["applicationSettings"]["port"] == values["service"]["port"] == ports()["rasa"], \
        f"{HELM_VALUES.relative_to(ROOT)}: applicationSettings.port/service.port not {ports()['rasa']}"
    services = {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc["kind"] == "Service"}
    url = urlsplit(resolved(helm_process().env["ACTION_ENDPOINT_URL"]))
    assert url.hostname in services and \
        url.port in [p["port"] for p in services[url.hostname]["spec"]["ports"]], \
        f"{HELM_VALUES.relative_to(ROOT)}: ACTION_ENDPOINT_URL {url.geturl()} is no deploy/k8s Service"


def test_every_variable_set_is_one_the_code_reads():
    allowed = code_variables() | RUNTIME_VARIABLES
    for process in all_processes():
        unknown = set(process.env) - allowed
        assert not unknown, f"{process.where}: sets variables no code reads: {sorted(unknown)}"
    for name, data in config_maps().items():
        unknown = set(data) - allowed
        assert not unknown, f"deploy/k8s ConfigMap {name}: variables no code reads: {sorted(unknown)}"
    template = SECRET_TEMPLATE.read_text()
    keys = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*):", template, re.M))
    assert not keys - allowed, f"{SECRET_TEMPLATE.relative_to(ROOT)}: keys no code reads: {sorted(keys - allowed)}"


def test_each_process_gets_what_it_reads():
    for process in all_processes():
        missing = NEEDS[process.kind] - set(process.env)
        assert not missing, f"{process.where}: {process.kind} needs {sorted(missing)}"
        # bot/checkins, the console and erasure prefer RASA_TRACKER_DB (the local SQLite file).
        assert "RASA_TRACKER_DB" not in process.env, f"{process.where}: sets RASA_TRACKER_DB"
        if {"DATABASE_URL", "TRACKER_STORE_URL"} <= set(process.env):
            database, tracker = process.env["DATABASE_URL"], process.env["TRACKER_STORE_URL"]
            assert database == tracker, (f"{process.where}: DATABASE_URL and TRACKER_STORE_URL "
                                         f"differ ({database} vs {tracker}); one database")


@pytest.mark.skipif(not ENDPOINTS_CLUSTER.exists(), reason="endpoints.cluster.yml not committed yet")
def test_the_rasa_server_gets_every_variable_endpoints_cluster_yml_uses():
    used = set(re.findall(r"\$\{(\w+)\}", ENDPOINTS_CLUSTER.read_text()))
    assert used, "endpoints.cluster.yml uses no ${VARIABLES}"
    for process in all_processes():
        if process.kind == "rasa":
            missing = used - set(process.env)
            assert not missing, f"{process.where}: endpoints.cluster.yml needs {sorted(missing)}"


def test_secrets_come_from_a_secret_or_the_environment():
    for process in all_processes():
        for name, source in process.env.items():
            if process.where.startswith("deploy/compose"):
                text = source[1]
                if name in SECRETS:
                    assert source[0] == "environment" and (text is None or re.fullmatch(
                        rf"\$\{{{name}(:\?[^}}]*)?\}}", text)), \
                        f"{process.where}: {name} must be ${{{name}}} (no default) or passed through"
                elif name in SECRET_URLS and source[0] != "environment":
                    assert not urlsplit(text).password, f"{process.where}: {name} holds a password"
            elif name in SECRETS | SECRET_URLS:
                assert source[0] == "secret", f"{process.where}: {name} is not from a Secret"
    compose_text = COMPOSE.read_text()
    defaults = [n for n in re.findall(r"\$\{(\w+):?-", compose_text)
                if n in SECRETS or re.search("PASSWORD|SECRET|TOKEN|KEY", n)]
    assert not defaults, f"{COMPOSE.relative_to(ROOT)}: secrets with defaults: {defaults}"
    for name, service in load(COMPOSE)["services"].items():
        environment = service.get("environment") or {}
        for value in environment.values() if isinstance(environment, dict) else environment:
            password = urlsplit(str(value)).password if "://" in str(value) else None
            assert not password or re.fullmatch(r"\$\{\w+(:\?[^}]*)?\}", password), \
                f"{COMPOSE.relative_to(ROOT)} service {name}: a literal password in {value}"
    for name, data in config_maps().items():
        leaked = set(data) & (SECRETS | SECRET_URLS)
        assert not leaked, f"deploy/k8s ConfigMap {name}: secrets belong in the Secret: {leaked}"
    secret = load(SECRET_TEMPLATE)
    assert secret["kind"] == "Secret" and secret.get("stringData"), f"{SECRET_TEMPLATE}: not a Secret"
    real = {k for k, v in secret["stringData"].items() if PLACEHOLDER not in str(v)}
    assert not real, f"{SECRET_TEMPLATE.relative_to(ROOT)}: values that are not {PLACEHOLDER}: {real}"
    template_keys = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*):", SECRET_TEMPLATE.read_text(), re.M))
    for process in all_processes():
        for name, source in process.env.items():
            if source[0] == "secret":
                assert source[1] == secret["metadata"]["name"] and source[2] in template_keys, \
                    f"{process.where}: {name} from Secret {source[1]} key {source[2]}, not in the template"
    values_text = HELM_VALUES.read_text()
    assert not re.search(r"^\s*(token|password|jwtSecret):\s*\S", values_text, re.M), \
        f"{HELM_VALUES.relative_to(ROOT)}: a literal token or password"


def _window(probe: dict) -> int:
    return probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def test_probes_wait_for_the_model_and_use_the_codes_health_paths():
    values = load(HELM_VALUES)
    ready, live = values["readinessProbe"], values["livenessProbe"]
    root_route = re.search(r'@app\.get\("/"\)\s*\n\s*async def', _package_file("rasa", "server.py"))
    assert root_route, "rasa/server.py: '/' is no longer an unauthenticated route"
    for kind, probe in (("readinessProbe", ready), ("livenessProbe", live)):
        assert probe["httpGet"]["path"] == "/" and probe["httpGet"]["port"] == "http", \
            f"{HELM_VALUES.relative_to(ROOT)}: {kind} {probe['httpGet']}, want GET / on port http"
    assert _window(ready) >= 180, \
        f"{HELM_VALUES.relative_to(ROOT)}: readiness gives up after {_window(ready)} s; loading needs up to 180 s"
    assert _window(live) >= _window(ready) and live["initialDelaySeconds"] >= ready["initialDelaySeconds"], \
        f"{HELM_VALUES.relative_to(ROOT)}: liveness ({_window(live)} s) would restart a pod still loading"
    compose = {p.kind: p for p in compose_processes() if p.kind}
    start = compose["rasa"].raw["healthcheck"]["start_period"]
    assert int(str(start).rstrip("s")) >= 180, f"{COMPOSE.relative_to(ROOT)}: rasa start_period {start}"
    for kind in ("actions", "web"):
        path, port = health_paths()[kind], ports()[kind]
        test = " ".join(compose[kind].raw["healthcheck"]["test"])
        assert f":{port}{path}'" in test, f"{COMPOSE.relative_to(ROOT)} {kind}: healthcheck {test}, want {port}{path}"
    for process in k8s_processes():
        for kind in ("readinessProbe", "livenessProbe"):
            probe = process.raw.get(kind)
            if process.kind == "checkins":
                continue
            assert probe, f"{process.where}: no {kind}"
            check = probe.get("httpGet") or probe.get("tcpSocket")
            assert check["port"] in process.ports, f"{process.where}: {kind} port {check['port']} not declared"
            if process.kind in health_paths():
                assert probe["httpGet"]["path"] == health_paths()[process.kind], \
                    f"{process.where}: {kind} path {probe['httpGet']['path']}, the code's is {health_paths()[process.kind]}"


def test_replicas_services_and_what_kubectl_applies():
    deployments = {p.kind: p.raw["deployment"] for p in k8s_processes()}
    for kind in ("checkins", "telegram"):
        assert deployments[kind]["spec"]["replicas"] == 1, f"deploy/k8s {kind}: replicas must be 1"
    services = [doc for _, doc in k8s_documents() if doc["kind"] == "Service"]
    for process in k8s_processes():
        labels = process.raw["deployment"]["spec"]["template"]["metadata"]["labels"]
        selecting = [s for s in services if s["spec"]["selector"].items() <= labels.items()]
        if process.kind == "checkins":
            assert not selecting, f"{process.where}: the scheduler has no port, so no Service"
            continue
        assert len(selecting) == 1, f"{process.where}: {len(selecting)} Services select it"
        for port in selecting[0]["spec"]["ports"]:
            assert str(port["targetPort"]) in process.ports and \
                port["port"] == process.ports[str(port["targetPort"])], \
                f"{process.where}: Service port {port} does not reach the container's"
    resources = load(KUSTOMIZATION)["resources"]
    manifests = {p.name for p in K8S.glob("*.yaml")} - {KUSTOMIZATION.name, SECRET_TEMPLATE.name}
    assert set(resources) == manifests, \
        f"{KUSTOMIZATION.relative_to(ROOT)}: resources {sorted(resources)}, files {sorted(manifests)} " \
        f"(the Secret template must stay out: it would overwrite the real Secret)"


# The chart's keys this file may use (RasaHQ/helm-charts charts/rasa/values.yaml); under the
# free-form ones the chart passes Kubernetes objects through as they are.
CHART_KEYS = {
    "image.repository", "image.tag", "image.pullPolicy", "replicaCount", "applicationSettings.port",
    "applicationSettings.initialModel", "applicationSettings.trainInitialModel",
    "applicationSettings.enableAPI", "applicationSettings.telemetry.enabled",
    "applicationSettings.credentials.enabled", "applicationSettings.endpoints.trackerStore.enabled",
    "applicationSettings.endpoints.lockStore.enabled", "service.type", "service.port",
    "nginx.enabled", "postgresql.install", "redis.install", "rabbitmq.install",
    "rasa-action-server.install", "duckling.install"}
FREE_FORM = {"resources", "command", "args", "extraEnv", "readinessProbe", "livenessProbe",
             "podSecurityContext", "securityContext"}


def _paths(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in FREE_FORM:
            yield from _paths(value, path + ".")
        else:
            yield path


def test_helm_values_use_only_the_charts_keys():
    values = load(HELM_VALUES)
    unknown = set(_paths(values)) - CHART_KEYS - FREE_FORM
    assert not unknown, f"{HELM_VALUES.relative_to(ROOT)}: not keys of the rasa chart: {sorted(unknown)}"
    assert values["applicationSettings"]["initialModel"] == "", \
        f"{HELM_VALUES.relative_to(ROOT)}: initialModel set: the chart would download a model over ours"
    assert values["args"], f"{HELM_VALUES.relative_to(ROOT)}: empty args: the chart's defaults would run"
    for chart in ("postgresql", "redis", "rabbitmq", "rasa-action-server", "duckling"):
        assert values[chart]["install"] is False, f"{HELM_VALUES.relative_to(ROOT)}: {chart}.install"
