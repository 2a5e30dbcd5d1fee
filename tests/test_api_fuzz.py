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

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

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
    """A served, seeded database, a write token of its agent, and the server's environment."""
    env = environment(tmp_path_factory.mktemp("fuzz-instance"), API_RATE_LIMIT="100000 per minute")
    prepare_database(env, demo=False)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    created = run([*flask, "tokens", "create", seed.email("agent"), "--scope", "write",
                   "--name", "Fuzzing"], env)  # fmt: skip
    secret = created.strip().splitlines()[-1]
    with serving(env, free_port()) as url:
        yield url, secret, env  # env: for the CLI to reach the served database


def curl(url: str, secret: str, *args: str) -> tuple[int, dict]:
    """curl as an integrator would run it: the status, and the JSON body."""
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "30", "--write-out", "\n%{http_code}",
         "--header", f"Authorization: Bearer {secret}", *args, url],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body.strip() else {}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_path_of_an_integration(live_api, tmp_path_factory):
    """A token from the CLI; curl lists the agent's partners, logs a voicemail and sees the
    call to return; another agent's partner is not found; revoked, the token is refused."""
    url, _, env = live_api
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    printed = run([*flask, "tokens", "create", seed.email("agent"), "--scope", "write",
                   "--name", "Curl"], env)  # fmt: skip
    secret = printed.strip().splitlines()[-1]
    api = f"{url}/api/v1"

    status, partners = curl(f"{api}/partners?limit=100", secret)
    assert status == 200 and partners["items"]
    partner = partners["items"][0]
    status, logged = curl(
        f"{api}/partners/{partner['id']}/interactions", secret,
        "--header", "Content-Type: application/json",
        "--header", "Idempotency-Key: 6f1c2b9e-1d7a-4c1e-9a55-3f0e8e2b7c11",
        "--data", json.dumps({"kind": "voicemail", "direction": "inbound",
                              "outcome": "no_response", "notes": "Call me back",
                              "at": f"{datetime.now() - timedelta(days=1):%Y-%m-%dT%H:%M}"}),
    )  # fmt: skip
    assert status == 201 and logged["kind"] == "voicemail", logged
    status, open_now = curl(f"{api}/recommendations", secret)
    assert status == 200
    calls = [item for item in open_now["items"] if item["rule"] == "return_call"]
    assert partner["id"] in [item["partner"]["id"] for item in calls]

    other = run([*flask, "tokens", "create", seed.email("other_agent"), "--scope", "read",
                 "--name", "Theirs"], env).strip().splitlines()[-1]  # fmt: skip
    _, theirs = curl(f"{api}/partners", other)
    assert theirs["items"], "the other agent has partners of their own"
    status, _ = curl(f"{api}/partners/{theirs['items'][0]['id']}", secret)
    assert status == 404

    listed = run([*flask, "tokens", "list", seed.email("agent")], env)
    token_id = next(line.split("\t")[0] for line in listed.splitlines() if "\tCurl\t" in line)
    run([*flask, "tokens", "revoke", token_id], env)
    status, refused = curl(f"{api}/partners", secret)
    assert status == 401 and refused


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
    url, secret, _ = live_api
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
