"""The API meets its OpenAPI document: schemathesis generates requests for every operation
(an admin's key, the simulated brand after an analytics run) and fails on any 5xx and on any
status code or content type the document does not declare. Bounded: a few examples per
operation, so the whole API takes a minute or two; ``LIVELOOP_CONTRACT_EXAMPLES`` raises it
for a longer probe."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from liveloop.access.service import create_api_key
from liveloop.app import create_app
from liveloop.clock import ManualClock
from liveloop.store.engine import transaction
from tests.conftest import BRAND_NOW, open_copy

EXAMPLES = int(os.environ.get("LIVELOOP_CONTRACT_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
# A slow answer on a loaded CI machine is not a contract failure (speed lives in bench/); an
# event stream never ends, so schemathesis reads it only for a few seconds.
TIMEOUT_SECONDS = 60.0
STREAM_SECONDS = 3.0


@pytest.fixture(scope="module")
def brand_app(analysed_store, tmp_path_factory) -> Iterator[tuple[object, str]]:
    runtime = open_copy(analysed_store, tmp_path_factory.mktemp("contract"), ManualClock(BRAND_NOW))
    with transaction(runtime.sessions) as session:
        _, key = create_api_key(session, "contract", "admin", runtime.clock.now())
    try:
        yield create_app(runtime=runtime), key
    finally:
        runtime.close()


def test_every_operation_meets_the_document(brand_app):
    app, key = brand_app
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    operations = 0
    for found in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,
            database=None,
        )
        def meets_the_document(case) -> None:
            timeout = STREAM_SECONDS if _streams(case.operation) else TIMEOUT_SECONDS
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=timeout)

        try:
            meets_the_document()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups its failures
            failures.append(f"{operation.label}: {_summary(exc)}")
    assert operations > 50
    assert failures == []


def _streams(operation) -> bool:
    responses = operation.definition.raw.get("responses", {}).values()
    return any("text/event-stream" in r.get("content", {}) for r in responses)


def _summary(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for inner in getattr(exc, "exceptions", ()):
        lines += [line.strip() for line in str(inner).splitlines() if line.strip()]
    return " | ".join(lines[:6])
