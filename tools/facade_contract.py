"""An import-linter contract: a domain package is reached only through its facade.

Outside a domain package ``liveloop.<domain>``, only its facade modules may be imported —
``service`` (functions returning contracts), ``events`` (the events it emits) and
``contracts`` (the frozen dataclasses, enums and constants it publishes). Entry points (the
composition root, the CLI, the console …) may also import a domain's ``api`` (its router) and
``jobs`` (its background work); the table registry may import its ``models``. Everything else in
a domain is its own business, so it can change without a search through the other packages.

Configured in ``pyproject.toml`` under ``[tool.importlinter]``; exceptions are
``ignore_imports`` lines, each with its reason in a comment, a list that may only shrink.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class FacadeContract(Contract):
    """Options: ``domains`` (the domain packages), ``facades`` (module names anyone may import),
    ``entry_points`` and ``entry_facades`` (what entry points may import besides the facades),
    ``registry`` and ``registry_facades`` (the table registry and what it may import),
    ``ignore_imports`` (declared exceptions)."""

    type_name = "facades"

    domains = fields.ListField(subfield=fields.ModuleField())
    facades = fields.ListField(subfield=fields.StringField())
    entry_points = fields.ListField(subfield=fields.ModuleField(), required=False)
    entry_facades = fields.ListField(subfield=fields.StringField(), required=False)
    registry = fields.ListField(subfield=fields.ModuleField(), required=False)
    registry_facades = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        domains = [module.name for module in self.domains]  # type: ignore[attr-defined]
        facades = set(self.facades)  # type: ignore[call-overload]
        entry = [module.name for module in self.entry_points or []]  # type: ignore[attr-defined]
        entry_allowed = facades | set(self.entry_facades or [])  # type: ignore[arg-type]
        registry = [module.name for module in self.registry or []]  # type: ignore[attr-defined]
        registry_allowed = facades | set(self.registry_facades or [])  # type: ignore[arg-type]

        broken: list[dict[str, Any]] = []
        for domain in domains:
            prefix = domain + "."
            for imported in sorted(graph.find_descendants(domain)):
                part = imported[len(prefix) :].split(".", 1)[0]
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    if importer == domain or importer.startswith(prefix):
                        continue
                    allowed = facades
                    if _within(importer, registry):
                        allowed = registry_allowed
                    elif _within(importer, entry):
                        allowed = entry_allowed
                    if part in allowed:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    broken.append(
                        {
                            "importer": importer,
                            "imported": imported,
                            "lines": sorted({d["line_number"] for d in details}),
                        }
                    )
        return ContractCheck(
            kept=not broken,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"broken": broken},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Reach a domain through its facade (service, events, contracts):")
        output.new_line()
        for link in check.metadata["broken"]:
            lines = ", ".join(map(str, link["lines"]))
            output.print_error(
                f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False
            )
        output.new_line()


def _within(module: str, packages: list[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)
