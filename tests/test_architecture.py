"""The map is true: every package sits in a layer, the declared exceptions stay few, the
architecture page names every package, table and event, the events page lists every event,
event names are constants of their owner, never literals, domain events are written by their
owner's events module only, and no facade hands out an ORM row."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "liveloop"
PYPROJECT = ROOT / "pyproject.toml"
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
EVENTS_PAGE = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
MAX_EXCEPTIONS = 10
EVENT_NAME = re.compile(r"^[A-Z][a-zA-Z]+(?: [A-Z][a-zA-Z]*)+$")  # UGC, KOC: acronyms lead too


@cache
def contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def layered_modules() -> list[str]:
    return [
        name.strip()
        for layer in contracts()["layers"]["layers"]
        for name in re.split(r"[|:]", layer)
    ]


def top_level_modules() -> set[str]:
    found = {p.stem for p in SRC.glob("*.py") if p.stem not in ("__init__", "__main__")}
    return found | {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}


@cache
def event_owners() -> dict[str, str]:
    """Every event name the code declares → the module that owns it (``liveloop.spec`` or a
    domain's ``events`` module)."""
    owners: dict[str, str] = {}
    modules = ["liveloop.spec"] + [
        f"liveloop.{path.parent.name}.events" for path in sorted(SRC.glob("*/events.py"))
    ]
    for name in modules:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if attribute.isupper() and isinstance(value, str) and EVENT_NAME.match(value):
                owners.setdefault(value, name)
    return owners


def test_every_module_sits_in_exactly_one_layer():
    listed = layered_modules()
    assert sorted({m for m in listed if listed.count(m) > 1}) == []
    missing = {f"liveloop.{m}" for m in top_level_modules()} - set(listed)
    assert missing == set(), f"add these to a layer in pyproject.toml: {sorted(missing)}"


def test_every_domain_package_is_held_to_its_facade():
    domains = {m.removeprefix("liveloop.") for m in contracts()["facades"]["domains"]}
    packages = {p.name for p in SRC.iterdir() if (p / "service.py").exists()}
    assert packages - domains == set(), "a package with a service facade is not in the contract"


def test_the_declared_exceptions_stay_few_and_each_gives_its_reason():
    exceptions = [
        line.strip()
        for contract in contracts().values()
        for line in contract.get("ignore_imports", [])
    ]
    assert len(exceptions) <= MAX_EXCEPTIONS
    text = PYPROJECT.read_text(encoding="utf-8")
    for exception in exceptions:
        line = next(line for line in text.splitlines() if f'"{exception}"' in line)
        assert "#" in line.split(f'"{exception}"', 1)[1], f"no reason given for {exception}"


def test_the_architecture_page_names_every_package():
    missing = [m for m in sorted(top_level_modules()) if f"`{m}" not in ARCHITECTURE]
    assert missing == []


def test_the_architecture_page_names_every_table_under_its_owner():
    from liveloop.schema.tables import Base

    rows = dict(re.findall(r"^\| `(\w+)` \| (`\w+`(?:, `\w+`)*) \|$", ARCHITECTURE, re.M))
    wrong = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table.name
        owner = mapper.class_.__module__.split(".")[1]
        if f"`{table}`" not in rows.get(owner, ""):
            wrong.append(f"{table} (owned by {owner})")
    assert sorted(wrong) == []


def test_both_pages_name_every_event():
    for page in (ARCHITECTURE, EVENTS_PAGE):
        missing = [e for e in sorted(event_owners()) if f"`{e}`" not in page]
        assert missing == []


def test_the_events_page_lists_no_event_the_code_does_not_know():
    listed = set(re.findall(r"^\| `([^`]+)` \|", EVENTS_PAGE, re.M))
    assert listed - set(event_owners()) == set()


def _source_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_event_names_are_constants_of_their_owner(path: Path):
    owner = path == SRC / "spec.py" or path.name == "events.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in ("emit", "NewEvent"):
            name = _event_argument(node)
            if isinstance(name, ast.Constant) and not owner:
                problems.append(f"l.{node.lineno}: {_called(node)} with a literal name")
        if (
            not owner
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in event_owners()
        ):
            owner_module = event_owners()[node.value]
            problems.append(f"l.{node.lineno}: {node.value!r} belongs to {owner_module}")
    assert problems == []


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _event_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "name":
            return keyword.value
    index = 1 if _called(call) == "emit" else 0
    return call.args[index] if len(call.args) > index else None


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_events_are_written_by_events_modules_only(path: Path):
    if path.name == "events.py" or path.parent.name == "store":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and _called(n) == "emit"]
    assert calls == [], f"emit() outside an events module, l.{calls}"


def _facade_modules() -> list[str]:
    facades = contracts()["facades"]
    return [
        f"{domain}.{facade}"
        for domain in facades["domains"]
        for facade in facades["facades"]
        if (SRC.parent / domain.replace(".", "/") / f"{facade}.py").exists()
    ]


@cache
def _row_classes() -> frozenset[str]:
    import liveloop.schema.tables  # noqa: F401 - every table's model
    from liveloop.store.base import Base

    return frozenset(mapper.class_.__name__ for mapper in Base.registry.mappers)


@pytest.mark.parametrize("name", _facade_modules())
def test_facades_hand_out_contracts_never_orm_rows(name: str):
    module = importlib.import_module(name)
    problems = []
    for attribute, value in vars(module).items():
        own = getattr(value, "__module__", "").startswith("liveloop.")
        if attribute.startswith("_") or not own or not inspect.isfunction(value):
            continue
        returned = str(value.__annotations__.get("return", ""))
        rows = set(re.findall(r"\w+", returned)) & _row_classes()
        problems += [f"{attribute} returns {row}" for row in sorted(rows)]
    assert problems == []


def _routers() -> list[Path]:
    return sorted([*SRC.glob("*/api.py"), *(SRC / "console").glob("*.py"), SRC / "system_api.py"])


WRITES = {"add", "add_all", "delete", "merge"}
STATEMENTS = {"insert", "update", "delete"}


@pytest.mark.parametrize("path", _routers(), ids=lambda p: str(p.relative_to(SRC)))
def test_routers_write_no_rows_themselves(path: Path):
    """A router validates and calls its service; the service writes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        target = node.func.value
        on_session = isinstance(target, ast.Name) and target.id == "session"
        if on_session and node.func.attr in WRITES:
            problems.append(f"l.{node.lineno}: session.{node.func.attr}")
        if on_session and node.func.attr == "execute" and node.args:
            statement = node.args[0]
            if isinstance(statement, ast.Call) and _called(statement) in STATEMENTS:
                problems.append(f"l.{node.lineno}: session.execute({_called(statement)}(…))")
    assert problems == []
