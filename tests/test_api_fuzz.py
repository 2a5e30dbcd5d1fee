"""The whole OpenAPI document, fuzzed against a live server.

schemathesis reads /api/v1/openapi.json from a real gunicorn (tests/browser/
serving.py: its own migrated SQLite file, seeded with the browser tests'
teams) and sends every operation valid and invalid requests built from the
document: odd ids, wrong types, NUL bytes, huge limits, made-up cursors,
bodies that are not objects. Every answer must be no server error and must be
what the document says: a documented status code, its content type, a body
that fits its schema, the headers it promises. The requests carry a write
token of the seeded agent; schemathesis also checks that one without it is
refused.

Bounded and repeatable: a fixed number of examples per operation, derived
from the test's name (no random seed, no stored examples).
"""

import sys

import pytest
import schemathesis
from schemathesis.engine import Status, from_schema
from schemathesis.engine.events import FatalError, NonFatalError, ScenarioFinished

from tests.browser import seed
from tests.browser.serving import environment, free_port, prepare_database, run, serving

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "ignored_auth",
    "unsupported_method",
]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """A served, seeded database, and a write token of its agent."""
    env = environment(tmp_path_factory.mktemp("fuzz-instance"), API_RATE_LIMIT="100000 per minute")
    prepare_database(env, demo=False)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    created = run([*flask, "tokens", "create", seed.email("agent"), "--scope", "write",
                   "--name", "Fuzzing"], env)  # fmt: skip
    secret = created.strip().splitlines()[-1]
    with serving(env, free_port()) as url:
        yield url, secret


def fuzzing_config(secret: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 20261204,
            "headers": {"Authorization": f"Bearer {secret}"},
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }  # fmt: skip
    )


def test_every_operation_answers_as_documented(live_api):
    url, secret = live_api
    schema = schemathesis.openapi.from_url(
        f"{url}/api/v1/openapi.json", config=fuzzing_config(secret)
    )
    problems, operations = [], set()
    for event in from_schema(schema).execute():
        if isinstance(event, ScenarioFinished):
            operations.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                problems.extend(
                    f"{event.recorder.label} [{check.name}] {check.failure_info.failure.title}: "
                    f"{check.failure_info.failure.message}\n  {check.failure_info.code_sample}"
                    for check in checks
                    if check.status == Status.FAILURE
                )
        elif isinstance(event, NonFatalError):
            problems.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, FatalError):
            problems.append(f"The run stopped: {event.exception!r}")
    assert not problems, "\n".join(dict.fromkeys(problems))
    assert len(operations) >= 4
