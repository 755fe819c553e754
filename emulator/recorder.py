"""Every AWS call a caller makes, as IAM sees it: who (the SigV4 access key id), the IAM action, the
resource ARN and the request context keys the service puts in the authorization request.

Off unless the environment sets EMULATOR_RECORD_CALLS=1: the authorization check
(`__tests__/authz/`) turns it on to learn what the functions really call, and evaluates each call
against the stack's policies with an IAM policy engine, since the emulator enforces no IAM itself.

The action and resource of each call are the ones the Service Authorization Reference lists for
the operation (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
the context keys are those the calls here carry:
- DynamoDB: ``dynamodb:LeadingKeys`` (the partition key value of the item the call names),
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
  TransactWriteItems is authorized item by item, each with its own action
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
- S3: the SSE headers, as ``s3:x-amz-server-side-encryption`` and
  ``s3:x-amz-server-side-encryption-aws-kms-key-id``, and a conditional write's ``s3:if-none-match``
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html); HeadObject is authorized as s3:GetObject
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
- KMS: ``kms:EncryptionContext:<key>`` for each pair of the request's EncryptionContext.
- CloudWatch: ``cloudwatch:namespace`` of PutMetricData.

A call the recorder cannot name is recorded with its operation and ``action: null``, so a new call
shows up in the corpus check instead of passing unseen.
"""
from __future__ import annotations

import io
import json
import os
import re
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

ACCOUNT = "123456789012"  # moto's account
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_TX_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


class Recorder:
    def __init__(self) -> None:
        self.enabled = os.environ.get("EMULATOR_RECORD_CALLS") == "1"
        self._calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def since(self, n: int) -> dict[str, Any]:
        with self._lock:
            return {"enabled": self.enabled, "next": len(self._calls), "calls": self._calls[n:]}

    def wrap(self, app: Any) -> Any:
        if not self.enabled:
            return app

        def recorded(environ: dict[str, Any], start_response: Any) -> Any:
            found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
            # Control calls never get here: control_app (server.py) answers /_emulator/ first.
            if found is None:
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            status: list[str] = []

            def start(s: str, headers: Any, exc_info: Any = None) -> Any:
                status.append(s)
                return start_response(s, headers, exc_info) if exc_info else start_response(s, headers)

            result = app(environ, start)
            key_id, region, service = found.groups()
            code = int(status[0].split()[0]) if status else 0
            for call in _calls_of(service, region, environ, body):
                with self._lock:
                    self._calls.append({"accessKeyId": key_id, "region": region, "status": code, **call})
            return result

        return recorded


def _calls_of(service: str, region: str, environ: dict[str, Any], body: bytes) -> list[dict[str, Any]]:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    try:
        if service == "dynamodb":
            return _dynamodb(region, target.split(".")[-1], json.loads(body or b"{}"))
        if service == "s3":
            return [_s3(environ)]
        if service == "kms":
            return [_kms(region, target.split(".")[-1], json.loads(body or b"{}"))]
        if service == "monitoring":
            return [_cloudwatch(target.split(".")[-1], body)]
    except (ValueError, KeyError, TypeError) as e:
        return [{"operation": f"{service}:{target}", "action": None, "error": str(e)}]
    return [{"operation": f"{service}:{target or environ.get('REQUEST_METHOD')}", "action": None}]


def _table_arn(region: str, table: str) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"


def _hash_key(region: str, table: str) -> str | None:
    from moto.dynamodb.models import dynamodb_backends

    try:
        return dynamodb_backends[ACCOUNT][region].get_table(table).hash_key_attr
    except Exception:  # an unknown table: the call fails anyway, and is recorded without the key
        return None


def _item_call(region: str, action: str, request: dict[str, Any]) -> dict[str, Any]:
    table = request["TableName"]
    item = request.get("Item") or request.get("Key") or {}
    hash_key = _hash_key(region, table)
    value = item.get(hash_key) if hash_key else None
    context = {"dynamodb:LeadingKeys": [next(iter(value.values()))]} if isinstance(value, dict) else {}
    return {"operation": f"dynamodb:{action}", "action": f"dynamodb:{action}",
            "resource": _table_arn(region, table), "context": context}


def _dynamodb(region: str, op: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    if op == "TransactWriteItems":
        return [
            {**_item_call(region, _TX_ACTIONS[kind], part), "operation": "dynamodb:TransactWriteItems"}
            for entry in request["TransactItems"] for kind, part in entry.items()
        ]
    if op in ("PutItem", "GetItem", "UpdateItem", "DeleteItem"):
        return [_item_call(region, op, request)]
    return [{"operation": f"dynamodb:{op}", "action": f"dynamodb:{op}",
             "resource": _table_arn(region, request["TableName"]), "context": {}}]


_S3_BUCKET_READS = {"encryption": "s3:GetEncryptionConfiguration", "versioning": "s3:GetBucketVersioning",
                    "versions": "s3:ListBucketVersions", "replication": "s3:GetReplicationConfiguration",
                    "policy": "s3:GetBucketPolicy"}


def _s3(environ: dict[str, Any]) -> dict[str, Any]:
    method = environ["REQUEST_METHOD"]
    bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if key:
        versioned = "versionId" in query
        action = {"PUT": "s3:PutObject", "DELETE": "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"}.get(
            method, "s3:GetObjectVersion" if versioned else "s3:GetObject")
        context = {
            f"s3:{h}": environ[f"HTTP_{h.upper().replace('-', '_')}"]
            for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-acl",
                      "if-none-match")
            if f"HTTP_{h.upper().replace('-', '_')}" in environ
        } if method == "PUT" else {}
        return {"operation": f"s3:{method} object", "action": action, "resource": f"arn:aws:s3:::{bucket}/{key}",
                "context": context}
    read = next((a for q, a in _S3_BUCKET_READS.items() if q in query), "s3:ListBucket")
    action = read if method in ("GET", "HEAD") else None
    return {"operation": f"s3:{method} bucket", "action": action, "resource": f"arn:aws:s3:::{bucket}", "context": {}}


def _kms(region: str, op: str, request: dict[str, Any]) -> dict[str, Any]:
    key = request.get("KeyId", "")
    arn = key if key.startswith("arn:") else f"arn:aws:kms:{region}:{ACCOUNT}:key/{key}"
    context = {f"kms:EncryptionContext:{k}": v for k, v in (request.get("EncryptionContext") or {}).items()}
    return {"operation": f"kms:{op}", "action": f"kms:{op}", "resource": arn, "context": context}


def _cloudwatch(op: str, body: bytes) -> dict[str, Any]:
    request = json.loads(body or b"{}")
    context = {"cloudwatch:namespace": request["Namespace"]} if "Namespace" in request else {}
    return {"operation": f"cloudwatch:{op}", "action": f"cloudwatch:{op}", "resource": "*", "context": context}
