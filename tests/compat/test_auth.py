"""SigV4 authentication and per-principal permissions: boto3, the AWS CLI and raw signed requests
as the admin and the reader; every way a signature can be wrong and the Glue error it gets;
session tokens; garbage headers never answered with a 5xx; /health open and /metrics signed; the
audit log of writes; who created a table and who started a run; the credentials a job script
and `weir job run --catalog-endpoint` reach the service with; refusals at start-up."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import string
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import error_code, error_message, expect_error, table_input
from test_job_remote_catalog import json_rows, run_job, write
from test_job_service import wait_run
from weir_harness import (
    ACCOUNT_ID,
    ADMIN,
    ADMIN_ALLOW,
    AUTH_CONFIG,
    READER,
    REGION,
    AwsCli,
    CliError,
    Principal,
    WeirServer,
    amz_date,
    principal_toml,
    sigv4_headers,
    unique,
    weir_bin,
)

GLUE_JSON = {"Content-Type": "application/x-amz-json-1.1"}
SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."
INVALID_TOKEN = "The security token included in the request is invalid."
STAMP = r"\d{8}T\d{6}Z"
EXPIRED = re.compile(rf"Signature expired: ({STAMP}) is now earlier than ({STAMP}) \(({STAMP}) - 15 min\.\)")
NOT_YET = re.compile(rf"Signature not yet current: ({STAMP}) is still later than ({STAMP}) \(({STAMP}) \+ 15 min\.\)")
READ_PREFIXES = ("Get", "List", "BatchGet", "Search", "Query")

#: Principals of the `extra` servers only.
SESSION = Principal("session", "AKIAWEIRSESSION00001", "3KamBf15Wvu2hTZLmRQE077mJ/hJGC3n2QMd86Qa",
                    session_token="7hGVW6XxXnbD091WIlhEVlsU/uQHstCBzH5KOFy0sntkLMVjiylHyDeIs8tRZJaK")
FILED = Principal("filed", "AKIAWEIRFILED0000001", "HChFyPK+gvzYSB/Ro7axWpIWWZCkMEABYJoFSZpg")
LIMITED = Principal("limited", "AKIAWEIRLIMITED00001", "oZxInPDXDhQC86277T7HOeX7KqlhceWGmCWtePv6")
#: `?` is one character, and patterns match whatever the case.
LIMITED_ALLOW = ["glue:get?atabase", "GLUE:createdatabase"]
#: Known to no server.
GHOST = Principal("ghost", "AKIAWEIRGHOST0000001", "uLeHXAaac5CpXkUke26BM272FJVZOQe4zGkz1p0S")


def glue_headers(target: str) -> dict:
    return {"X-Amz-Target": target, **GLUE_JSON}


def refused(weir: WeirServer, code: str, status: int = 400, target: str = "AWSGlue.GetDatabases",
            body: str = "{}", headers: dict | None = None, **request) -> str:
    """POST / of `target` (or with `headers`) sent with `request` (see WeirServer.http) is
    refused with `code`; returns the message."""
    got, answer = answer_of(weir.http("POST", "/", body, headers or glue_headers(target), **request))
    assert (got, answer.get("__type")) == (status, code), answer
    return answer.get("Message", "")


def answer_of(response: tuple) -> tuple[int, dict]:
    status, _, raw = response
    return status, json.loads(raw or b"{}")


def denied(principal: Principal, action: str) -> str:
    """The start of the AccessDeniedException message for `principal` calling `action`."""
    return f"User: {principal.arn} is not authorized to perform: {action}"


@pytest.fixture(scope="module")
def reader(weir):
    """A boto3 Glue client of the session's server signing as the reader."""
    return weir.client(principal=READER)


@pytest.fixture(scope="module")
def extra(backend, tmp_path_factory):
    """A server on the backend with three more principals: `session` (a session token), `filed`
    (its secret in a file) and `limited` (LIMITED_ALLOW)."""
    data_dir, metastore = backend.new_store()
    secret_file = tmp_path_factory.mktemp("secrets") / "filed.secret"
    secret_file.write_text(FILED.secret_access_key + "\n")
    config = (principal_toml(SESSION, ADMIN_ALLOW) + principal_toml(FILED, ADMIN_ALLOW, secret_file=secret_file)
              + principal_toml(LIMITED, LIMITED_ALLOW))
    server = backend.server(data_dir, metastore, extra_config=config).start()
    yield server
    server.stop()
    assert not server.logged_errors(), server.logged_errors()


@pytest.fixture(scope="module")
def open_server(backend):
    """A server on the backend without an `[auth]` section (mode none)."""
    data_dir, metastore = backend.new_store()
    server = backend.server(data_dir, metastore, auth=False).start()
    yield server
    server.stop()
    assert not server.logged_errors(), server.logged_errors()


# --------------------------------------------------------------------------------------------
# The suite's signer
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,url,body,headers,token", [
    ("POST", "http://127.0.0.1:43121/", b'{"Name": "x"}', {**glue_headers("AWSGlue.GetDatabase"), "User-Agent": "a  b"}, None),
    ("POST", "http://127.0.0.1:43121/", b"", {**glue_headers("AWSGlue.GetDatabases"), "X-Extra": "  a   b  "}, "tok/en=="),
    ("GET", "http://127.0.0.1:80/runs/jr_abc/log", None, {}, None),
    ("GET", "http://localhost:4270/metrics?b=2&a=1", None, {}, None),
], ids=["post", "token", "default-port", "query"])
def test_the_suites_signer_signs_as_botocore_does(method, url, body, headers, token):
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(ADMIN.access_key_id, ADMIN.secret_access_key, token), "glue", "eu-west-1").add_auth(request)
    when = parse_stamp(request.headers["X-Amz-Date"])
    ours = sigv4_headers(method, url, headers, body, ADMIN.access_key_id, ADMIN.secret_access_key,
                         region="eu-west-1", when=when, token=token)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours["X-Amz-Date"] == request.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")
    other = sigv4_headers(method, url, headers, body, ADMIN.access_key_id, ADMIN.secret_access_key,
                          region="eu-west-1", when=when + timedelta(seconds=1), token=token)
    assert other["Authorization"] != ours["Authorization"], "the time is part of the signature"


# --------------------------------------------------------------------------------------------
# The admin and the reader
# --------------------------------------------------------------------------------------------


def test_boto3_with_the_admins_keys_creates_reads_and_deletes(glue):
    name = unique("admin")
    glue.create_database(DatabaseInput={"Name": name})
    assert glue.get_database(Name=name)["Database"]["Name"] == name
    glue.delete_database(Name=name)
    expect_error("EntityNotFoundException", glue.get_database, Name=name)


def test_the_cli_with_the_admins_keys_creates_reads_and_deletes(cli):
    name = unique("admin_cli")
    cli("create-database", database_input={"Name": name})
    assert cli("get-database", name=name)["Database"]["Name"] == name
    cli("delete-database", name=name)
    with pytest.raises(CliError) as info:
        cli("get-database", name=name)
    assert info.value.code == "EntityNotFoundException"


def test_the_reader_reads_but_may_not_write(reader, glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t", keys=("day:string",)))
    assert reader.get_database(Name=db)["Database"]["Name"] == db
    names = [d["Name"] for page in reader.get_paginator("get_databases").paginate() for d in page["DatabaseList"]]
    assert db in names
    assert [t["Name"] for t in reader.get_tables(DatabaseName=db)["TableList"]] == ["t"]
    assert reader.batch_get_partition(DatabaseName=db, TableName="t", PartitionsToGet=[{"Values": ["x"]}])["Partitions"] == []
    assert reader.get_partitions(DatabaseName=db, TableName="t")["Partitions"] == []
    reader.search_tables(SearchText=db)
    reader.list_jobs()

    message = expect_error("AccessDeniedException", reader.create_database, DatabaseInput={"Name": unique("nope")})
    assert message.startswith(denied(READER, "glue:CreateDatabase")), message
    message = expect_error("AccessDeniedException", reader.delete_database, Name=db)
    assert message.startswith(denied(READER, "glue:DeleteDatabase")), message
    message = expect_error("AccessDeniedException", reader.delete_table, DatabaseName=db, Name="t")
    assert message.startswith(denied(READER, "glue:DeleteTable")), message
    assert glue.get_table(DatabaseName=db, Name="t")["Table"]["Name"] == "t"


def test_the_cli_with_the_readers_keys_reads_but_may_not_write(weir, db):
    reader_cli = AwsCli(weir.url, env=READER.env())
    assert reader_cli("get-database", name=db)["Database"]["Name"] == db
    for command, action, params in [
        ("create-database", "glue:CreateDatabase", {"database_input": {"Name": unique("nope")}}),
        ("delete-database", "glue:DeleteDatabase", {"name": db}),
    ]:
        with pytest.raises(CliError) as info:
            reader_cli(command, **params)
        assert info.value.code == "AccessDeniedException", info.value
        assert info.value.message.startswith(denied(READER, action)), info.value.message
    assert reader_cli("get-database", name=db)["Database"]["Name"] == db


def test_allow_patterns_match_one_character_for_question_marks_and_ignore_case(extra):
    limited = extra.client(principal=LIMITED)
    name = unique("limited")
    limited.create_database(DatabaseInput={"Name": name})
    assert limited.get_database(Name=name)["Database"]["Name"] == name
    message = expect_error("AccessDeniedException", limited.get_databases)
    assert message.startswith(denied(LIMITED, "glue:GetDatabases")), message
    message = expect_error("AccessDeniedException", limited.delete_database, Name=name)
    assert message.startswith(denied(LIMITED, "glue:DeleteDatabase")), message


# --------------------------------------------------------------------------------------------
# Wrong keys, no signature
# --------------------------------------------------------------------------------------------


def test_a_wrong_secret_is_an_invalid_signature(weir):
    wrong = dataclasses.replace(ADMIN, secret_access_key="x" * 40)
    message = expect_error("InvalidSignatureException", weir.client(principal=wrong).get_databases)
    assert message.startswith(SIGNATURE_MISMATCH), message
    message = refused(weir, "InvalidSignatureException", principal=wrong)
    assert message.startswith(SIGNATURE_MISMATCH), message


def test_an_unknown_access_key_is_unrecognized(weir):
    assert expect_error("UnrecognizedClientException", weir.client(principal=GHOST).get_databases) == INVALID_TOKEN
    assert refused(weir, "UnrecognizedClientException", principal=GHOST) == INVALID_TOKEN


def test_an_unsigned_request_is_missing_its_authentication_token(weir):
    with pytest.raises(ClientError) as info:
        weir.client(signature_version=UNSIGNED).get_databases()
    assert error_code(info.value) == "MissingAuthenticationTokenException"
    assert error_message(info.value) == "Missing Authentication Token"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    name = unique("unsigned")
    body = json.dumps({"DatabaseInput": {"Name": name}})
    message = refused(weir, "MissingAuthenticationTokenException", 403, "AWSGlue.CreateDatabase", body, sign=False)
    assert message == "Missing Authentication Token"
    assert weir.post_glue("AWSGlue.GetDatabase", json.dumps({"Name": name}))[2]["__type"] == "EntityNotFoundException"


# --------------------------------------------------------------------------------------------
# The clock
# --------------------------------------------------------------------------------------------


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("minutes", [-20, 20], ids=["expired", "not-yet-current"])
def test_a_signature_twenty_minutes_off_is_refused_naming_the_times(weir, minutes):
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    message = refused(weir, "InvalidSignatureException", when=when)
    match = (EXPIRED if minutes < 0 else NOT_YET).fullmatch(message)
    assert match, message
    sent, bound, now = match.groups()
    assert sent == amz_date(when)
    assert parse_stamp(bound) - parse_stamp(now) == timedelta(minutes=15 if minutes > 0 else -15)
    assert abs(parse_stamp(now) - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize("minutes", [-10, 10])
def test_a_signature_within_fifteen_minutes_is_accepted(weir, minutes):
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    status, _, answer = weir.post_glue("AWSGlue.GetDatabases", "{}", when=when)
    assert status == 200 and isinstance(answer["DatabaseList"], list), answer


# --------------------------------------------------------------------------------------------
# Tampering
# --------------------------------------------------------------------------------------------


def test_a_replayed_request_is_accepted_and_one_with_a_changed_body_byte_refused(weir, glue):
    name = unique("replay")
    body = json.dumps({"DatabaseInput": {"Name": name}}).encode()
    headers = list(weir.sign("POST", "/", body, glue_headers("AWSGlue.CreateDatabase")).items())
    other = name[:-1] + ("0" if name[-1] != "0" else "1")
    tampered = body.replace(name.encode(), other.encode())
    assert len(tampered) == len(body) and sum(a != b for a, b in zip(body, tampered)) == 1

    status, answer = answer_of(weir.send("POST", "/", headers, tampered))
    assert (status, answer["__type"]) == (400, "InvalidSignatureException"), answer
    assert answer["Message"].startswith(SIGNATURE_MISMATCH)
    expect_error("EntityNotFoundException", glue.get_database, Name=other)

    status, answer = answer_of(weir.send("POST", "/", headers, body))
    assert status == 200, answer
    assert glue.get_database(Name=name)["Database"]["Name"] == name
    # Replayed once more: it passes authentication, and the catalog answers.
    status, answer = answer_of(weir.send("POST", "/", headers, body))
    assert (status, answer["__type"]) == (400, "AlreadyExistsException"), answer


def test_a_changed_signed_header_is_refused(weir, glue, db):
    body = json.dumps({"Name": db})
    signed = weir.sign("POST", "/", body, glue_headers("AWSGlue.GetDatabase"))
    assert answer_of(weir.send("POST", "/", list(signed.items()), body))[0] == 200
    later = amz_date(parse_stamp(signed["X-Amz-Date"]) + timedelta(seconds=1))
    for header, value in [("X-Amz-Target", "AWSGlue.DeleteDatabase"), ("Host", "localhost:" + weir.url.rsplit(":", 1)[1]),
                          ("X-Amz-Date", later), ("Content-Type", "application/json")]:
        status, answer = answer_of(weir.send("POST", "/", list({**signed, header: value}.items()), body))
        assert (status, answer["__type"]) == (400, "InvalidSignatureException"), (header, answer)
        assert answer["Message"].startswith(SIGNATURE_MISMATCH), (header, answer)
    assert glue.get_database(Name=db)["Database"]["Name"] == db


def test_a_credential_scoped_to_another_service_is_refused_and_any_region_accepted(weir):
    message = refused(weir, "InvalidSignatureException", service="s3")
    # AWS ends this message with a space.
    assert message.rstrip() == "Credential should be scoped to correct service: 'glue'.", message
    for region in ("eu-west-3", "ap-southeast-2"):
        status, _, answer = weir.post_glue("AWSGlue.GetDatabases", "{}", region=region)
        assert status == 200, answer
    assert "DatabaseList" in weir.client(region="eu-central-1").get_databases()


def test_incomplete_authorization_headers_name_what_is_missing(weir):
    stamp = amz_date(datetime.now(timezone.utc))
    host = weir.url.split("//", 1)[1]
    base = {"Host": host, "X-Amz-Date": stamp, **glue_headers("AWSGlue.GetDatabases")}
    credential_only = f"AWS4-HMAC-SHA256 Credential={ADMIN.access_key_id}/{stamp[:8]}/{REGION}/glue/aws4_request"
    message = refused(weir, "IncompleteSignatureException", headers={**base, "Authorization": credential_only}, sign=False)
    assert "Authorization header requires 'Signature' parameter." in message, message
    assert "Authorization header requires 'SignedHeaders' parameter." in message, message

    message = refused(weir, "IncompleteSignatureException", headers={**base, "Authorization": "Basic abc"}, sign=False)
    assert "AWS4-HMAC-SHA256" in message, message

    signed = weir.sign("POST", "/", "{}", glue_headers("AWSGlue.GetDatabases"))
    del signed["X-Amz-Date"]
    message = refused(weir, "IncompleteSignatureException", headers=signed, sign=False)
    assert "'X-Amz-Date'" in message, message


# --------------------------------------------------------------------------------------------
# Session tokens, secrets in files
# --------------------------------------------------------------------------------------------


def test_a_token_sent_for_keys_that_have_none_is_unrecognized(weir):
    assert refused(weir, "UnrecognizedClientException", token="some-token") == INVALID_TOKEN
    with_token = dataclasses.replace(ADMIN, session_token="some-token")
    assert expect_error("UnrecognizedClientException", weir.client(principal=with_token).get_databases) == INVALID_TOKEN


def test_keys_with_a_session_token_work_only_with_that_token(extra):
    client = extra.client(principal=SESSION)
    name = unique("session")
    client.create_database(DatabaseInput={"Name": name})
    assert client.get_database(Name=name)["Database"]["Name"] == name

    without = dataclasses.replace(SESSION, session_token=None)
    assert expect_error("UnrecognizedClientException", extra.client(principal=without).get_databases) == INVALID_TOKEN
    wrong = dataclasses.replace(SESSION, session_token=SESSION.session_token[:-1] + "x")
    assert expect_error("UnrecognizedClientException", extra.client(principal=wrong).get_databases) == INVALID_TOKEN
    assert refused(extra, "UnrecognizedClientException", principal=without) == INVALID_TOKEN


def test_a_secret_read_from_a_file_is_trimmed(extra):
    client = extra.client(principal=FILED)
    name = unique("filed")
    client.create_database(DatabaseInput={"Name": name})
    assert client.get_database(Name=name)["Database"]["Name"] == name
    with_newline = dataclasses.replace(FILED, secret_access_key=FILED.secret_access_key + "\n")
    assert expect_error("InvalidSignatureException", extra.client(principal=with_newline).get_databases).startswith(SIGNATURE_MISMATCH)


# --------------------------------------------------------------------------------------------
# Garbage
# --------------------------------------------------------------------------------------------

FUZZED = ["Authorization", "X-Amz-Date", "Host", "Content-Type", "X-Amz-Target"]


def garbage(rng: random.Random, stamp: str) -> str | bytes:
    """A header value nobody should send: empty, long, non-ASCII, almost right."""
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice(["", " ", "   \t "])
    if kind == 1:
        return "".join(rng.choice(string.printable[:94] + " ") for _ in range(rng.randint(1, 80)))
    if kind == 2:
        return rng.choice("A=,/;") * rng.randint(4_000, 16_000)
    if kind == 3:
        return bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 60)))
    if kind == 4:
        return rng.choice(["déjà vu", "数据湖", "🚀 AWS4-HMAC-SHA256", "Credential=ключ/"]).encode()
    if kind == 5:
        return almost_authorization(rng, stamp)
    if kind == 6:
        return rng.choice(["20261306T250000Z", "2026-12-06T09:00:00Z", "99991231T235959Z", "00000101T000000Z",
                           "Mon, 32 Foo 2026 99:99:99 GMT", "0", "-1", stamp + "junk", stamp[:-1], "T" * 16])
    if kind == 7:
        return rng.choice(["AWSGlue.", "AWSGlue.GetDatabases.GetDatabases", ".", "AWSGlue.CreateDatabase\t", "awsglue.getdatabases",
                           "WeirCatalog.ExecuteAtomically", "AWSGlue.GetDatabases, AWSGlue.DeleteDatabase", "AWSGlue.Get%00"])
    if kind == 8:
        return rng.choice([",,,", "=", "Credential=", "Signature=,Signature=", ", , ,", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ",
                           "Bearer x", "AWS AKIA:sig", "localhost", "127.0.0.1:1", "[::1]:99999", "application/x-amz-json-1.1; charset=\xff"])
    return "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice([0, 1, 63, 64, 65, 4096])))


def almost_authorization(rng: random.Random, stamp: str) -> str | bytes:
    """An Authorization of the right shape with one or more parts wrong (never a valid signature)."""
    key = rng.choice([ADMIN.access_key_id, READER.access_key_id, "", "AKIA", GHOST.access_key_id, "AKIA/WEIR", "é"])
    day = rng.choice([stamp[:8], stamp[:8], "2026130", "99999999", "", "x" * 8])
    region = rng.choice([REGION, "", "us-east-1/extra", " "])
    service = rng.choice(["glue", "glue", "s3", "", "GLUE"])
    terminator = rng.choice(["aws4_request", "aws4_request", "aws5_request", ""])
    signed = rng.choice(["content-type;host;x-amz-date;x-amz-target", "host;x-amz-date", "", ";;;", "host;host", "HOST", "a" * 300])
    signature = rng.choice(["".join(rng.choice("0123456789abcdef") for _ in range(64)), "", "zz", "0" * 500, "ABCDEF" * 10 + "0123"])
    parts = [f"Credential={key}/{day}/{region}/{service}/{terminator}", f"SignedHeaders={signed}", f"Signature={signature}"]
    if rng.random() < 0.2:
        rng.shuffle(parts)
    if rng.random() < 0.2:
        parts.pop(rng.randrange(len(parts)))
    if rng.random() < 0.2:
        parts.append(parts[0])
    value = "AWS4-HMAC-SHA256 " + rng.choice([", ", ",", " ", ",,"]).join(parts)
    return value.encode() if rng.random() < 0.1 else value


def fuzz_case(weir: WeirServer, rng: random.Random) -> tuple[str, str, list, bytes]:
    """A request whose Authorization is never valid, with some of FUZZED garbled, removed or
    repeated."""
    stamp = amz_date(datetime.now(timezone.utc))
    method, path = rng.choice([("POST", "/")] * 6 + [("GET", "/metrics"), ("GET", "/runs/jr_0/log")])
    body = rng.choice([b"{}", b'{"DatabaseInput": {"Name": "fuzzed"}}', b"", b"{", b"\xff\xfe"]) if method == "POST" else None
    target = rng.choice(["AWSGlue.GetDatabases", "AWSGlue.CreateDatabase", "AWSGlue.DeleteDatabase", "AWSGlue.NoSuchOp"])
    headers = list(weir.sign(method, path, body, glue_headers(target) if method == "POST" else {}).items())
    auth = rng.choice(["garbage", "almost", "almost", "flipped", "absent"])
    signed = dict(headers)["Authorization"]
    headers = [(n, v) for n, v in headers if n != "Authorization"]
    if auth == "flipped":
        headers.append(("Authorization", signed[:-1] + ("0" if signed[-1] != "0" else "1")))
    elif auth != "absent":
        headers.append(("Authorization", garbage(rng, stamp) if auth == "garbage" else almost_authorization(rng, stamp)))
    for name in rng.sample(FUZZED, rng.randint(0, 3)):
        action = rng.choice(["replace", "remove", "repeat", "repeat-same"])
        current = [v for n, v in headers if n == name]
        if action in ("replace", "remove"):
            headers = [(n, v) for n, v in headers if n != name]
        if action in ("replace", "repeat"):
            headers.append((name, garbage(rng, stamp)))
        if action == "repeat-same" and current:
            headers.append((name, current[0]))
    rng.shuffle(headers)
    return method, path, headers, body


def test_garbage_headers_get_a_glue_error_never_a_5xx(weir, glue):
    rng = random.Random(20261206)
    failures = []
    for i in range(200):
        method, path, headers, body = fuzz_case(weir, rng)
        status, _, raw = weir.send(method, path, headers, body)
        try:
            answer = json.loads(raw)
            ok = 400 <= status < 500 and isinstance(answer, dict) and isinstance(answer.get("__type"), str)
        except ValueError:
            ok = False
        if not ok:
            shown = [(n, v[:80] if isinstance(v, (str, bytes)) else v) for n, v in headers]
            failures.append(f"case {i}: {method} {path} {shown} body={body!r} -> {status} {raw[:200]!r}")
    assert not failures, f"{len(failures)} of 200 requests:\n" + "\n".join(failures[:10])
    assert "DatabaseList" in glue.get_databases(), "the server still serves"


# --------------------------------------------------------------------------------------------
# /health, /metrics
# --------------------------------------------------------------------------------------------


def test_health_is_open_and_metrics_need_a_signed_get(weir):
    status, _, body = weir.http("GET", "/health", sign=False)
    assert (status, body.strip()) == (200, b"ok")

    status, answer = answer_of(weir.http("GET", "/metrics", sign=False))
    assert (status, answer["__type"], answer["Message"]) == (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    wrong = dataclasses.replace(ADMIN, secret_access_key="y" * 40)
    status, answer = answer_of(weir.http("GET", "/metrics", principal=wrong))
    assert (status, answer["__type"]) == (400, "InvalidSignatureException"), answer

    for principal in (ADMIN, READER):
        status, headers, body = weir.http("GET", "/metrics", principal=principal)
        assert status == 200, body[:200]
        assert headers["content-type"].startswith("text/plain")
        assert b"weir_api_requests_total" in body


def test_metrics_and_run_logs_are_get_metrics_and_get_job_run(extra):
    status, answer = answer_of(extra.http("GET", "/metrics", principal=LIMITED))
    assert (status, answer["__type"]) == (400, "AccessDeniedException"), answer
    assert answer["Message"].startswith(denied(LIMITED, "glue:GetMetrics")), answer
    status, answer = answer_of(extra.http("GET", "/runs/jr_0/log", principal=LIMITED))
    assert (status, answer["__type"]) == (400, "AccessDeniedException"), answer
    assert answer["Message"].startswith(denied(LIMITED, "glue:GetJobRun")), answer


# --------------------------------------------------------------------------------------------
# The audit log
# --------------------------------------------------------------------------------------------


def audit_naming(server: WeirServer, name: str, count: int, timeout: float = 10.0) -> list[dict]:
    """The audit records whose resource names `name`, once there are at least `count` (or the
    timeout passed)."""
    deadline = time.monotonic() + timeout
    while True:
        records = [r for r in server.audit_records() if name in r.get("resource", "")]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def audit_of(server: WeirServer, name: str, count: int) -> list[tuple]:
    """(principal, operation, outcome) of the audit lines naming `name` (see audit_naming)."""
    return [(r.get("principal"), r.get("operation"), r.get("outcome")) for r in audit_naming(server, name, count)]


def test_every_write_leaves_one_audit_line_and_reads_none(weir, glue, reader):
    name, refused_name = unique("audited"), unique("refused")
    glue.create_database(DatabaseInput={"Name": name})
    glue.get_database(Name=name)
    reader.get_database(Name=name)
    expect_error("AlreadyExistsException", glue.create_database, DatabaseInput={"Name": name})
    expect_error("AccessDeniedException", reader.create_database, DatabaseInput={"Name": refused_name})
    expect_error("AccessDeniedException", reader.delete_database, Name=name)
    glue.delete_database(Name=name)

    assert audit_of(weir, name, 4) == [
        ("admin", "CreateDatabase", "ok"),
        ("admin", "CreateDatabase", "AlreadyExistsException"),
        ("reader", "DeleteDatabase", "AccessDeniedException"),
        ("admin", "DeleteDatabase", "ok"),
    ]
    assert audit_of(weir, refused_name, 1) == [("reader", "CreateDatabase", "AccessDeniedException")]
    reads = [r["line"] for r in weir.audit_records() if r.get("operation", "").startswith(READ_PREFIXES)]
    assert reads == [], reads[:5]


def test_an_audit_line_names_the_table_of_a_table_write(weir, glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("audited_table"))
    records = [r for r in audit_naming(weir, "audited_table", 1) if db in r["resource"]]
    assert [(r["principal"], r["operation"], r["outcome"]) for r in records] == [("admin", "CreateTable", "ok")], records


# --------------------------------------------------------------------------------------------
# Who created, who started
# --------------------------------------------------------------------------------------------


def test_an_update_by_another_principal_keeps_the_creator(extra):
    filed, admin = extra.client(principal=FILED), extra.client()
    db = unique("created_by")
    filed.create_database(DatabaseInput={"Name": db})
    filed.create_table(DatabaseName=db, TableInput=table_input("t"))
    assert admin.get_table(DatabaseName=db, Name="t")["Table"]["CreatedBy"] == FILED.arn
    admin.update_table(DatabaseName=db, TableInput=table_input("t", cols=("id:bigint", "extra:string")))
    table = admin.get_table(DatabaseName=db, Name="t")["Table"]
    assert table["CreatedBy"] == FILED.arn and table["VersionId"] == "1"


def test_without_auth_nothing_needs_a_signature_and_no_creator_is_recorded(open_server):
    status, _, answer = open_server.post_glue("AWSGlue.GetDatabases", "{}", sign=False)
    assert status == 200 and "DatabaseList" in answer, answer
    glue = open_server.client(signature_version=UNSIGNED)
    db = unique("open")
    glue.create_database(DatabaseInput={"Name": db})
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    assert "CreatedBy" not in glue.get_table(DatabaseName=db, Name="t")["Table"]
    assert open_server.client().get_database(Name=db)["Database"]["Name"] == db


ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/glue"


def shell_job(glue, tmp_path: Path, code: str, role: str = ROLE, **extra) -> str:
    name = unique("auth_shell")
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    glue.create_job(Name=name, Role=role, Command={"Name": "pythonshell", "ScriptLocation": script.as_uri()}, **extra)
    return name


def run_log(server: WeirServer, run_id: str, principal: Principal = ADMIN) -> str:
    status, _, body = server.http("GET", f"/runs/{run_id}/log", principal=principal)
    assert status == 200, body[:300]
    return body.decode()


def test_a_runs_log_names_who_started_it_and_needs_a_signature(weir, glue, tmp_path):
    name = shell_job(glue, tmp_path, "print('hello')\n")
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    assert wait_run(glue, name, run_id)["JobRunState"] == "SUCCEEDED"
    assert "started by admin" in run_log(weir, run_id)
    assert "started by admin" in run_log(weir, run_id, principal=READER)
    status, answer = answer_of(weir.http("GET", f"/runs/{run_id}/log", sign=False))
    assert (status, answer["__type"]) == (403, "MissingAuthenticationTokenException"), answer

    for principal in (ADMIN, READER):
        done = subprocess.run([str(weir_bin()), "job", "logs", run_id, "--endpoint", weir.url], capture_output=True,
                              text=True, timeout=60, env=job_env(principal))
        assert done.returncode == 0, done.stderr
        assert "started by admin" in done.stdout, done.stdout


def test_a_run_started_by_another_principal_names_it(extra, tmp_path):
    filed = extra.client(principal=FILED)
    name = shell_job(filed, tmp_path, "print('hello')\n")
    run_id = filed.start_job_run(JobName=name)["JobRunId"]
    assert wait_run(filed, name, run_id)["JobRunState"] == "SUCCEEDED"
    log = run_log(extra, run_id)
    assert "started by filed" in log and "started by admin" not in log, log


def job_env(principal: Principal) -> dict:
    """The suite's environment with the AWS keys of `principal`."""
    return {k: v for k, v in os.environ.items() if k != "AWS_SESSION_TOKEN"} | principal.env()


# The script records the credentials it was given, reads the catalog, then creates a database.
CATALOG_SCRIPT = """
import json, os, sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["out", "database"])
names = ["AWS_ENDPOINT_URL_GLUE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"]
with open(args["out"], "w") as f:
    json.dump({n: os.environ.get(n) for n in names}, f)
import boto3
glue = boto3.client("glue")
print("databases read:", len(glue.get_databases()["DatabaseList"]), flush=True)
glue.create_database(DatabaseInput={"Name": args["database"]})
print("created", args["database"], flush=True)
"""


@pytest.fixture(scope="module")
def scripts_have_boto3():
    """The service runs pythonshell scripts with `python3`; these scripts need boto3 there."""
    python = shutil.which("python3")
    if python is None or subprocess.run([python, "-c", "import boto3"], capture_output=True).returncode != 0:
        pytest.skip("the python3 that runs job scripts cannot import boto3")


def run_catalog_script(server: WeirServer, glue, tmp_path: Path, role: str) -> tuple[dict, dict, str]:
    """Runs CATALOG_SCRIPT as a job with `role`, started through `glue`; returns the run, the
    environment the script saw and the database it tried to create."""
    out, database = tmp_path / f"env-{unique('run')}.json", unique("from_script")
    name = shell_job(glue, tmp_path, CATALOG_SCRIPT, role=role, DefaultArguments={"--out": str(out), "--database": database})
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
    assert out.exists(), (run.get("ErrorMessage"), run_log(server, run["Id"]))
    env = json.loads(out.read_text())
    assert env["AWS_ENDPOINT_URL_GLUE"].rstrip("/") == server.url.rstrip("/"), env
    assert env["AWS_DEFAULT_REGION"], env
    return run, env, database


def test_a_script_reaches_weir_as_the_principal_that_started_the_run(weir, glue, tmp_path, scripts_have_boto3):
    run, env, database = run_catalog_script(weir, glue, tmp_path, ROLE)
    assert run["JobRunState"] == "SUCCEEDED", (run.get("ErrorMessage"), run_log(weir, run["Id"]))
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]) == (
        ADMIN.access_key_id, ADMIN.secret_access_key, None)
    assert glue.get_database(Name=database)["Database"]["Name"] == database
    assert audit_of(weir, database, 1) == [("admin", "CreateDatabase", "ok")]


@pytest.mark.parametrize("role", [f"arn:aws:iam::{ACCOUNT_ID}:role/reader", "reader"])
def test_a_script_whose_role_names_the_reader_reads_but_cannot_write(weir, glue, tmp_path, role, scripts_have_boto3):
    run, env, database = run_catalog_script(weir, glue, tmp_path, role)
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (READER.access_key_id, READER.secret_access_key)
    assert run["JobRunState"] == "FAILED", run
    assert "AccessDeniedException" in run["ErrorMessage"], run["ErrorMessage"]
    assert "databases read:" in run_log(weir, run["Id"])
    expect_error("EntityNotFoundException", glue.get_database, Name=database)
    assert audit_of(weir, database, 1) == [("reader", "CreateDatabase", "AccessDeniedException")]


def test_a_script_of_a_principal_with_a_session_token_gets_the_token(extra, tmp_path, scripts_have_boto3):
    glue = extra.client()
    run, env, database = run_catalog_script(extra, glue, tmp_path, "session")
    assert run["JobRunState"] == "SUCCEEDED", (run.get("ErrorMessage"), run_log(extra, run["Id"]))
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SESSION_TOKEN"]) == (SESSION.access_key_id, SESSION.session_token)
    assert audit_of(extra, database, 1) == [("session", "CreateDatabase", "ok")]


def test_a_visual_job_run_by_the_service_calls_the_catalog_as_its_roles_principal(weir, glue, db, tmp_path):
    """The catalog target of a job whose Role names the reader is refused; the same job as
    the admin's creates the table, recorded as created by the admin."""
    source = write(tmp_path / "in/events.json", '{"id": 1, "day": "2024-05-01"}\n')
    nodes = {
        "src": {"S3JsonSource": {"Name": "events", "Paths": [str(source)]}},
        "out": {"S3GlueParquetTarget": {"Name": "lake", "Inputs": ["src"], "Path": str(tmp_path / "warehouse/events"),
                                        "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                                               "Database": db, "Table": "events"}}},
    }
    outcomes = {}
    for role in (f"arn:aws:iam::123456789012:role/{READER.name}", "any-role"):
        name = unique("visual")
        glue.create_job(Name=name, Role=role, Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes)
        run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
        outcomes[role] = run
        glue.delete_job(JobName=name)
        if role != "any-role":
            assert not list((tmp_path / "warehouse").rglob("*.parquet")), "a refused run leaves no files"
    refused = outcomes[f"arn:aws:iam::123456789012:role/{READER.name}"]
    assert refused["JobRunState"] == "FAILED", refused
    assert "AccessDeniedException" in refused["ErrorMessage"] and "user/reader" in refused["ErrorMessage"], refused
    assert outcomes["any-role"]["JobRunState"] == "SUCCEEDED", outcomes["any-role"].get("ErrorMessage")
    table = glue.get_table(DatabaseName=db, Name="events")["Table"]
    assert table["CreatedBy"] == ADMIN.arn


# --------------------------------------------------------------------------------------------
# `weir job run --catalog-endpoint`
# --------------------------------------------------------------------------------------------


def test_weir_job_run_reaches_the_catalog_with_the_environments_keys(weir, glue, db, tmp_path):
    source = write(tmp_path / "in/events.json", '{"id": 1, "day": "2024-05-01"}\n{"id": 2, "day": "2024-05-02"}\n')
    creates = {"Name": "events", "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "events", "Paths": [str(source)]}},
        "out": {"S3GlueParquetTarget": {"Name": "lake", "Inputs": ["src"], "Path": str(tmp_path / "warehouse/events"),
                                        "PartitionKeys": [["day"]],
                                        "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                                               "Database": db, "Table": "events"}}},
    }}
    refused_run = run_job(creates, tmp_path, weir.url, env=READER.env())
    assert refused_run.returncode != 0, refused_run.stderr
    assert "AccessDeniedException" in refused_run.stderr, refused_run.stderr
    assert glue.get_tables(DatabaseName=db)["TableList"] == []

    done = run_job(creates, tmp_path, weir.url)
    assert done.returncode == 0, done.stderr
    assert glue.get_table(DatabaseName=db, Name="events")["Table"]["Name"] == "events"

    back = tmp_path / "back"
    reads = {"CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "events", "Database": db, "Table": "events"}},
        "out": {"S3DirectTarget": {"Name": "json", "Inputs": ["src"], "Path": str(back), "Format": "json"}},
    }}
    done = run_job(reads, tmp_path, weir.url, env=READER.env())
    assert done.returncode == 0, done.stderr
    assert sorted(r["id"] for r in json_rows(back)) == [1, 2]

    unknown = run_job(reads, tmp_path, weir.url, env=GHOST.env())
    assert unknown.returncode != 0 and "UnrecognizedClientException" in unknown.stderr, unknown.stderr


# --------------------------------------------------------------------------------------------
# Start-up
# --------------------------------------------------------------------------------------------


def serve_once(tmp_path: Path, config: str, listen: str = "127.0.0.1:0", timeout: float = 60.0) -> tuple[int, str]:
    """Runs `weir serve` with `config`, expecting it to exit before it listens; returns its exit
    code and stderr. Killed at once, and the test failed, if it starts listening."""
    config_file = tmp_path / f"weir-{unique('cfg')}.toml"
    config_file.write_text(config)
    out_path, err_path = config_file.with_suffix(".out"), config_file.with_suffix(".log")
    cmd = [str(weir_bin()), "serve", "--config", str(config_file), "--listen", listen, "--data-dir", str(tmp_path / "state")]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None:
            if "weir listening on" in out_path.read_text(errors="replace") or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
            pytest.fail(f"weir serve {listen} started with this config:\n{config}\n{err_path.read_text(errors='replace')[-2000:]}")
    stdout = out_path.read_text(errors="replace")
    assert "weir listening on" not in stdout, stdout
    return process.returncode, err_path.read_text(errors="replace")


@pytest.mark.parametrize("config", ["", '[auth]\nmode = "none"\n'], ids=["no-auth-section", "mode-none"])
@pytest.mark.parametrize("listen", ["0.0.0.0:0", "[::]:0"])
def test_no_auth_on_a_non_loopback_address_is_refused(tmp_path, config, listen):
    code, stderr = serve_once(tmp_path, config, listen)
    assert code != 0
    assert "--insecure-no-auth" in stderr, stderr


def config_with(principal_lines: str) -> str:
    return '[auth]\nmode = "sigv4"\n\n[[auth.principals]]\nname = "p"\naccess_key_id = "AKIAWEIRCONFIG000001"\n' + principal_lines


#: A config, and what the error must name.
CONFIG_ERRORS = {
    "no-principals": lambda tmp: ('[auth]\nmode = "sigv4"\n', "auth.principals"),
    "allow-without-service": lambda tmp: (config_with('secret_access_key = "s"\nallow = ["CreateDatabase"]\n'),
                                          ("allow", "CreateDatabase")),
    "both-secrets": lambda tmp: (config_with(f'secret_access_key = "s"\nsecret_access_key_file = "{tmp / "s.secret"}"\nallow = ["glue:*"]\n'),
                                 "secret_access_key"),
    "no-secret": lambda tmp: (config_with('allow = ["glue:*"]\n'), "secret_access_key"),
    "missing-secret-file": lambda tmp: (config_with(f'secret_access_key_file = "{tmp / "absent.secret"}"\nallow = ["glue:*"]\n'),
                                        str(tmp / "absent.secret")),
    "duplicate-key": lambda tmp: (AUTH_CONFIG + principal_toml(dataclasses.replace(READER, name="reader2"), ["glue:Get*"]),
                                  ("access_key_id", READER.access_key_id)),
}


@pytest.mark.parametrize("case", CONFIG_ERRORS)
def test_a_bad_auth_config_is_refused_naming_the_setting(tmp_path, case):
    (tmp_path / "s.secret").write_text("secret\n")
    config, named = CONFIG_ERRORS[case](tmp_path)
    code, stderr = serve_once(tmp_path, config)
    assert code != 0
    for text in (named,) if isinstance(named, str) else named:
        assert text in stderr, stderr
