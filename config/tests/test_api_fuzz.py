"""A schema-driven fuzzer over the whole API (Schemathesis), authenticated as a shopper.

Every operation of the OpenAPI schema gets a bounded number of generated requests, valid
ones (positive) and ones that break the schema (negative, which must be refused), sent
through the WSGI app in-process; no response may be a 5xx or contradict the schema (status
code, content type, headers, body). One test per operation, so a failure names it.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import user_tokens_issue
from accounts.tests.conftest import wechat  # noqa: F401  (fixture)
from accounts.tests.factories import AddressFactory, UserFactory
from catalog.tests.factories import make_product

# What "the response agrees with the schema" means here. Schemathesis' other checks judge
# design choices (that any unexpected input is rejected, stateful links), not conformance.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    negative_data_rejection,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15


def _schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(document)


def _cases() -> list[tuple[str, GenerationMode]]:
    """Every operation with valid input; those that take any input with invalid input too."""
    cases = []
    for result in _schema().get_all_operations():
        operation = result.ok()
        cases.append((operation.label, GenerationMode.POSITIVE))
        if list(operation.iter_parameters()) or operation.body:
            cases.append((operation.label, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture
def wsgi_app():
    """The WSGI app, minus its per-request connection closing: requests run in the test's
    transaction (as Django's test client does it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def shopper_token(db, settings):
    # Generated requests come far faster than any client's: no throttling while fuzzing.
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    shopper = UserFactory()
    AddressFactory(user=shopper)
    make_product(name="Fuzz Kettle")
    return user_tokens_issue(user=shopper)["access"]


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_api_answers_generated_requests_as_its_schema_says(
    label,
    mode,
    shopper_token,
    wsgi_app,
    wechat,  # noqa: F811  (WeChat login answered by the simulated code2Session server)
):
    operation = next(
        result.ok() for result in _schema().get_all_operations() if result.ok().label == label
    )

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {shopper_token}"}
        case.call_and_validate(app=wsgi_app, checks=CONFORMANCE)

    run()
