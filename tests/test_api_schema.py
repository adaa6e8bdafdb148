"""The API against its own OpenAPI schema: generated requests never meet a server error.

Schemathesis reads /api/schema/ from the Django WSGI application and sends a small,
reproducible budget of valid and invalid requests to every operation, authenticated
with an Administrator's API token on the whole organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.core.services import org, tokens

# Loaded once at collection: building the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI handler, whose end-of-request hook would close the
    connection holding the test's transaction (PostgreSQL); Django's own test client
    unhooks it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def administrator_token(organisation: Any, make_person: Any, keep_the_test_connection: None) -> str:
    """A read-write token of an Administrator of the root unit, with something to find."""
    administrator: Person = make_person("schema.admin", organisation.root, Role.ADMINISTRATOR)
    org.assign_responsibility(organisation.beijing, "A", by=administrator, person=administrator)
    _token, secret = tokens.create_token(
        administrator, by=administrator, name="schemathesis", access="read_write", days=1
    )
    return secret


@pytest.mark.schema
@schema.parametrize()
@settings(
    max_examples=10,
    # Generated requests only: schemathesis's coverage phase (boundary values of every
    # parameter, run as explicit examples) multiplied the suite's time by three.
    phases=[Phase.generate],
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_answers_a_generated_request_with_a_server_error(
    case: Any, administrator_token: str
) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {administrator_token}"}, checks=[not_a_server_error]
    )

    assert response.status_code < 500


@pytest.mark.schema
def test_the_schema_generates_without_warnings(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/people/{id}/unlock/" in target.read_text()
