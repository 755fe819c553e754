"""AWS behaviours moto 5.2 does not implement, restored at emulator start-up.

Each patch is one function named after the AWS behaviour it restores; its docstring says what AWS
does (with the API reference) and what moto does instead. ``apply()`` installs them all, or all but
the ones named in ``without`` (the tests switch one off to show the failure it prevents).

Nothing here is clever: each patch wraps one moto function and leaves the rest of moto alone.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from pathlib import Path
from typing import Any, Callable

# Hooks the replicator (replication.py) registers: called after a committed write, in the
# request's thread, while the request lock is held.
ON_ITEM_WRITE: list[Callable[..., None]] = []
ON_OBJECT_PUT: list[Callable[..., None]] = []

# Set while the replicator itself writes, so its writes are not replicated back.
replicating = threading.local()


def _is_replicating() -> bool:
    return getattr(replicating, "active", False)


# --------------------------------------------------------------------------------------------
# KMS
# --------------------------------------------------------------------------------------------


def kms_replicate_key_keeps_its_own_properties() -> None:
    """ReplicateKey creates a replica with the request's Policy, Description and Tags, and
    metadata of its own.

    AWS: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html -- "Policy",
    "Description" and "Tags" are request parameters that apply to the new replica only; the
    response's ReplicaPolicy is the replica's policy. The key policy, description and tags are
    *independent* properties of each related multi-Region key
    (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html#mrk-sync-properties);
    the primary's DescribeKey keeps MultiRegionKeyType PRIMARY.

    moto 5.2: the handler drops Policy/Description/Tags (the replica gets the default policy, so
    the provider's wait for the configured policy never ends: 10-minute timeout), and the model
    makes the replica a shallow copy of the primary sharing its multi_region_configuration dict,
    so DescribeKey on the replica flips the primary to REPLICA as well ("is not a multi-Region
    primary key" on every later plan/destroy).
    """
    from moto.kms import models, responses

    def replicate_key(self: Any, key_id: str, replica_region: str) -> Any:
        primary = self.keys[self.get_key_id(key_id)]
        replica = copy.copy(primary)  # shares key material, as multi-Region keys do
        replica.region = replica_region
        replica.arn = primary.arn.replace(f":{self.region_name}:", f":{replica_region}:")
        replica.grants = {}
        replica.aliases = {}
        replica.key_state = "Enabled"
        replica.enabled = True
        replica.deletion_date = None
        # Shared properties (primary, the replica list) stay shared; the key type is the replica's own.
        config = primary.multi_region_configuration
        if not any(r["Region"] == replica_region for r in config["ReplicaKeys"]):
            config["ReplicaKeys"].append({"Arn": replica.arn, "Region": replica_region})
        replica.multi_region_configuration = {
            "MultiRegionKeyType": "REPLICA",
            "PrimaryKey": config["PrimaryKey"],
            "ReplicaKeys": config["ReplicaKeys"],
        }
        models.kms_backends[self.account_id][replica_region].keys[replica.id] = replica
        return replica

    def describe_key(self: Any, key_id: str) -> Any:
        return self.keys[self.any_id_to_key_id(key_id)]

    def replicate_key_response(self: Any) -> str:
        key_id = self._get_param("KeyId")
        self._validate_key_id(key_id)
        region = self._get_param("ReplicaRegion")
        replica = self.kms_backend.replicate_key(key_id, region)
        target = models.kms_backends[self.current_account][region]
        replica.policy = self._get_param("Policy") or replica.generate_default_policy()
        replica.description = self._get_param("Description") or ""
        tags = self._get_param("Tags")
        if tags:
            target.tag_resource(replica.id, tags)
        return json.dumps({
            "ReplicaKeyMetadata": replica.to_dict()["KeyMetadata"],
            "ReplicaPolicy": replica.policy,
            "ReplicaTags": tags or [],
        })

    models.KmsBackend.replicate_key = replicate_key
    models.KmsBackend.describe_key = describe_key
    responses.KmsResponse.replicate_key = replicate_key_response


def kms_multi_region_key_ids_decrypt() -> None:
    """Decrypt works for ciphertext produced under a multi-Region key (id ``mrk-`` + 32 hex).

    AWS: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html -- ciphertext
    records the key that encrypted it; multi-Region key ids start with ``mrk-``
    (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html#mrk-id).

    moto 5.2: its ciphertext header has a fixed 36-byte key-id field, but ``mrk-`` ids are 40
    characters, so the stored id is truncated and Decrypt of any such ciphertext fails with
    AccessDeniedException ("does not exist in this region").
    """
    from moto.kms import utils

    width = 40
    utils.KEY_ID_LEN = width
    utils.HEADER_LEN = width + utils.IV_LEN + utils.TAG_LEN
    utils.CIPHERTEXT_HEADER_FORMAT = f">{width}s{utils.IV_LEN}s{utils.TAG_LEN}s"
    original = utils._deserialize_ciphertext_blob

    def deserialize(ciphertext_blob: bytes) -> Any:
        c = original(ciphertext_blob)
        return c._replace(key_id=c.key_id.rstrip("\x00"))

    utils._deserialize_ciphertext_blob = deserialize


# --------------------------------------------------------------------------------------------
# DynamoDB
# --------------------------------------------------------------------------------------------


def dynamodb_update_table_manages_replicas() -> None:
    """UpdateTable ReplicaUpdates creates, updates and deletes global table replicas (version
    2019.11.21), and DescribeTable lists them under ``Replicas``.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
    (ReplicaUpdates: Create/Update/Delete, each with RegionName and KMSMasterKeyId) and
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicaDescription.html.
    The replica is a table of the same name, key schema and indexes in the other region,
    encrypted with the KMS key given for that region; every replica's DescribeTable lists the
    other regions.

    moto 5.2: ReplicaUpdates is ignored, so no table ever lists Replicas; the provider reads an
    unlisted replica region as CREATING and waits 30 minutes for it.
    """
    from moto.dynamodb import models as ddb
    from moto.dynamodb import responses
    from moto.dynamodb.models.table import Table

    def backend(account: str, region: str) -> Any:
        return ddb.dynamodb_backends[account][region]

    def replica_entry(region: str, kms_key: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"RegionName": region, "ReplicaStatus": "ACTIVE"}
        if kms_key:
            entry["KMSMasterKeyId"] = kms_key
        return entry

    def group(table: Any) -> dict[str, Any]:
        """region -> replica entry, shared by every table of one global table."""
        if not hasattr(table, "emulator_replicas"):
            key = (table.sse_specification or {}).get("KMSMasterKeyId")
            table.emulator_replicas = {table.region_name: replica_entry(table.region_name, key)}
        return table.emulator_replicas

    def create_replica(source: Any, region: str, kms_key: str | None) -> None:
        replicas = group(source)
        target = backend(source.account_id, region)
        if source.name in target.tables:
            from moto.dynamodb.exceptions import ResourceInUseException
            raise ResourceInUseException(f"Table already exists in {region}: {source.name}")
        sse = dict(source.sse_specification or {})
        if sse.get("Enabled"):
            sse["KMSMasterKeyId"] = kms_key or sse.get("KMSMasterKeyId")
        table = Table(
            source.name,
            account_id=source.account_id,
            region=region,
            schema=source.schema,
            attr=source.attr,
            throughput=None if source.billing_mode == "PAY_PER_REQUEST" else dict(source.throughput),
            billing_mode=source.billing_mode,
            indexes=[i.describe() for i in source.indexes],
            global_indexes=[{k: v for k, v in i.describe().items() if k in ("IndexName", "KeySchema", "Projection")}
                            for i in source.global_indexes],
            streams=source.stream_specification,
            sse_specification=sse or None,
            tags=[],
        )
        # Existing items are copied, as AWS backfills a new replica.
        for k, v in source.items.items():
            table.items[k] = copy.deepcopy(v)
        target.tables[source.name] = table
        replicas[region] = replica_entry(region, kms_key)
        table.emulator_replicas = replicas

    def delete_replica(source: Any, region: str) -> None:
        replicas = group(source)
        target = backend(source.account_id, region)
        replicas.pop(region, None)
        table = target.tables.pop(source.name, None)
        if table is not None:
            table.emulator_replicas = {region: replica_entry(region, None)}

    original_update = responses.DynamoHandler.update_table

    def update_table(self: Any) -> Any:
        updates = self.body.get("ReplicaUpdates") or []
        if updates:
            source = self.dynamodb_backend.get_table(self.body["TableName"])
            for u in updates:
                if "Create" in u:
                    create_replica(source, u["Create"]["RegionName"], u["Create"].get("KMSMasterKeyId"))
                elif "Delete" in u:
                    delete_replica(source, u["Delete"]["RegionName"])
                elif "Update" in u:
                    entry = group(source).get(u["Update"]["RegionName"])
                    if entry is not None and u["Update"].get("KMSMasterKeyId"):
                        entry["KMSMasterKeyId"] = u["Update"]["KMSMasterKeyId"]
        return original_update(self)

    original_describe = Table.describe

    def describe(self: Any, base_key: str = "TableDescription") -> dict[str, Any]:
        result = original_describe(self, base_key)
        replicas = getattr(self, "emulator_replicas", None)
        if replicas and len(replicas) > 1:
            result[base_key]["GlobalTableVersion"] = "2019.11.21"
            result[base_key]["Replicas"] = [copy.deepcopy(e) for r, e in sorted(replicas.items()) if r != self.region_name]
        return result

    original_delete = ddb.DynamoDBBackend.delete_table

    def delete_table(self: Any, name: str) -> Any:
        table = original_delete(self, name)
        replicas = getattr(table, "emulator_replicas", None)
        if replicas is not None:
            replicas.pop(self.region_name, None)  # the others stay, without this region
        return table

    responses.DynamoHandler.update_table = update_table
    Table.describe = describe
    ddb.DynamoDBBackend.delete_table = delete_table


def dynamodb_writes_are_observable() -> None:
    """Every committed item write is reported to the replicator (needed for global tables).

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
    -- a write to any replica is propagated to the other replicas, usually within a second.
    moto 5.2 has no replication, so this hook only reports writes; replication.py applies them.
    """
    from moto.dynamodb import models as ddb
    from moto.dynamodb.models.table import Table

    def report(table: Any, key: dict[str, Any], image: dict[str, Any] | None) -> None:
        if _is_replicating() or len(getattr(table, "emulator_replicas", {}) or {}) < 2:
            return
        for hook in ON_ITEM_WRITE:
            hook(table, key, image)

    def key_of(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
        return {k: attrs[k] for k in table.table_key_attrs if k in attrs}

    original_put = Table.put_item

    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, item_attrs, *args, **kwargs)
        image = item.to_json()["Attributes"]
        report(self, key_of(self, image), image)
        return item

    original_delete = Table.delete_item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        if item is not None:
            image = item.to_json()["Attributes"]
            report(self, key_of(self, image), None)
        return item

    original_update = ddb.DynamoDBBackend.update_item

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original_update(self, table_name, key, *args, **kwargs)
        table = self.get_table(table_name)
        image = item.to_json()["Attributes"]
        report(table, key_of(table, image), image)
        return item

    Table.put_item = put_item
    Table.delete_item = delete_item
    ddb.DynamoDBBackend.update_item = update_item


# --------------------------------------------------------------------------------------------
# Lambda
# --------------------------------------------------------------------------------------------


def lambda_function_keeps_kms_key_arn() -> None:
    """CreateFunction/UpdateFunctionConfiguration store KMSKeyArn and GetFunction returns it.

    AWS: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-KMSKeyArn
    and https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html (KMSKeyArn:
    the key that encrypts the function's environment variables).

    moto 5.2 drops it, so every re-plan shows ``kms_key_arn`` changing from null to the key.
    """
    from moto.awslambda import models

    original_init = models.LambdaFunction.__init__
    original_config = models.LambdaFunction.get_configuration
    original_update = models.LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.emulator_kms_key_arn = spec.get("KMSKeyArn")

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original_config(self, *args, **kwargs)
        if getattr(self, "emulator_kms_key_arn", None):
            config["KMSKeyArn"] = self.emulator_kms_key_arn
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "KMSKeyArn" in config_updates:
            self.emulator_kms_key_arn = config_updates["KMSKeyArn"] or None
        return original_update(self, config_updates)

    models.LambdaFunction.__init__ = __init__
    models.LambdaFunction.get_configuration = get_configuration
    models.LambdaFunction.update_configuration = update_configuration


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


def s3_replication_rules_keep_all_fields() -> None:
    """GetBucketReplication returns each rule as it was put, SourceSelectionCriteria and Filter included.

    AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html and
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRule.html (SourceSelectionCriteria,
    Filter, DeleteMarkerReplication, Destination with EncryptionConfiguration/ReplicationTime/Metrics).

    moto 5.2 rebuilds each rule from a few fields: SourceSelectionCriteria is dropped,
    DeleteMarkerReplication is always Disabled and Filter always {Prefix: ""}, so a re-plan
    always wants to change the replication configuration.
    """
    from moto.core.common_types import TYPE_RESPONSE  # noqa: F401 (type only)
    from moto.s3 import responses
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.core.responses import ActionResult

    order = ["ID", "Priority", "Prefix", "Filter", "Status", "SourceSelectionCriteria",
             "ExistingObjectReplication", "Destination", "DeleteMarkerReplication"]

    def get_bucket_replication(self: Any) -> Any:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = []
        for rule in replication["Rule"]:
            out = {k: rule[k] for k in order if k in rule}
            out.setdefault("DeleteMarkerReplication", {"Status": "Disabled"})
            if "Prefix" not in out and not out.get("Filter"):
                out["Filter"] = {"Prefix": ""}  # an empty <Filter/> (parsed as None) is the all-objects filter
            rules.append(out)
        return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))

    responses.S3Response.get_bucket_replication = get_bucket_replication


def s3_bucket_policy_conditions_apply() -> None:
    """A bucket policy statement applies only when its Condition holds, evaluated against the
    request: requests arrive over TLS, and the request's SSE headers are the s3: condition keys.

    AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    (a statement whose condition is false does not apply; ...IfExists operators hold when the key
    is absent; Null tests for absence), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport
    (aws:SecureTransport is true for requests over TLS, as every SDK call to an AWS endpoint is) and
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
    (s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id are the
    request's headers).

    moto 5.2 evaluates bucket policies with no request context, and a statement whose condition
    it cannot evaluate counts as DENY whatever its Effect: the stack's DenyInsecureTransport
    (Deny when aws:SecureTransport is "false") and its SSE-KMS guards then deny every
    PutObject/GetObject. The emulator listens on loopback HTTP in place of AWS's HTTPS endpoint,
    so requests are evaluated as the TLS requests they stand for. Operators: String(Not)Equals,
    String(Not)Like, Arn(Not)Equals/Like, Bool, Null, with IfExists; a statement with any other
    operator is not applied.
    """
    import fnmatch

    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3 import models, responses

    request = threading.local()

    def context() -> dict[str, str]:
        headers = {k.lower(): v for k, v in (getattr(request, "headers", None) or {}).items()}
        ctx = {"aws:securetransport": "true"}
        for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-acl"):
            if h in headers:
                ctx[f"s3:{h}"] = headers[h]
        return ctx

    def test(op: str, actual: str | None, wanted: list[str]) -> bool | None:
        if op == "Null":
            return (actual is None) == (str(wanted[0]).lower() == "true")
        negated = "Not" in op
        base = op.replace("Not", "")
        if base in ("StringEquals", "ArnEquals"):
            hit = actual is not None and actual in wanted
        elif base in ("StringLike", "ArnLike"):
            hit = actual is not None and any(fnmatch.fnmatchcase(actual, w) for w in wanted)
        elif base == "Bool":
            hit = actual is not None and actual.lower() in [str(w).lower() for w in wanted]
        else:
            return None  # an operator this patch does not know
        return (not hit) if negated else hit

    def holds(condition: dict[str, Any]) -> bool | None:
        ctx = context()
        for op, tests in condition.items():
            if_exists = op.endswith("IfExists")
            base = op[: -len("IfExists")] if if_exists else op
            for key, wanted in tests.items():
                actual = ctx.get(key.lower())
                if actual is None and if_exists:
                    continue
                wanted = wanted if isinstance(wanted, list) else [wanted]
                ok = test(base, actual, [str(w) for w in wanted])
                if ok is None:
                    return None
                if not ok:
                    return False
        return True

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        applicable = []
        for st in statements:
            if "Condition" in st:
                if not holds(st["Condition"]):
                    continue
                st = {k: v for k, v in st.items() if k != "Condition"}
            applicable.append(st)
        if not applicable:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**doc, "Statement": applicable})).is_action_permitted(action, resource)

    original_key_response = responses.S3Response._key_response

    def key_response(self: Any, req: Any, full_url: str) -> Any:
        request.headers = dict(req.headers)
        try:
            return original_key_response(self, req, full_url)
        finally:
            request.headers = None

    models.FakeBucket.get_permission = get_permission
    responses.S3Response._key_response = key_response


def s3_object_puts_are_observable() -> None:
    """Every new object version is reported to the replicator (S3 replication).

    AWS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html -- objects written
    after a replication rule is in place are copied to the rule's destination bucket. moto 5.2
    has no replication; this hook only reports puts, replication.py copies them.
    """
    from moto.s3 import models

    original_put = models.S3Backend.put_object

    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        key = original_put(self, bucket_name, key_name, *args, **kwargs)
        if not _is_replicating():
            bucket = self.get_bucket(bucket_name)
            if getattr(bucket, "replication", None):
                for hook in ON_OBJECT_PUT:
                    hook(self, bucket, key)
        return key

    models.S3Backend.put_object = put_object


# --------------------------------------------------------------------------------------------
# CloudTrail
# --------------------------------------------------------------------------------------------


def cloudtrail_trail_arn_names_the_trail() -> None:
    """StartLogging, StopLogging and DeleteTrail accept the trail's ARN as well as its name.

    AWS: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StartLogging.html
    (Name: "Specifies the name or the CloudTrail ARN of the trail"), likewise
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html and
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DeleteTrail.html.

    moto 5.2 looks these three up by name only: StartLogging with an ARN (what the provider
    sends) is a 500 the provider retries until its timeout, and DeleteTrail with an ARN silently
    deletes nothing.
    """
    from moto.cloudtrail import models

    def by_name_or_arn(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            if name not in self.trails:
                match = next((t.trail_name for t in self.trails.values() if t.arn == name), None)
                if match is None and method.__name__ != "delete_trail":
                    self.get_trail(name)  # raises AWS's TrailNotFoundException
                name = match or name
            return method(self, name, *args, **kwargs)

        return wrapped

    for m in ("start_logging", "stop_logging", "delete_trail"):
        setattr(models.CloudTrailBackend, m, by_name_or_arn(getattr(models.CloudTrailBackend, m)))


# --------------------------------------------------------------------------------------------
# Route 53
# --------------------------------------------------------------------------------------------


def route53_health_check_keeps_its_alarm() -> None:
    """CreateHealthCheck and UpdateHealthCheck store a CLOUDWATCH_METRIC check's AlarmIdentifier and
    InsufficientDataHealthStatus, and GetHealthCheck/ListHealthChecks return them in HealthCheckConfig.

    AWS: https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html
    (AlarmIdentifier, InsufficientDataHealthStatus) and
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html.

    moto 5.2 drops both, so a check on an alarm reads back as following no alarm at all.
    """
    from moto.route53 import models, responses

    kept = ("AlarmIdentifier", "InsufficientDataHealthStatus")
    original_config = models.HealthCheck.health_check_config.fget
    original_create = responses.Route53.create_health_check
    original_update = responses.Route53.update_health_check

    def health_check_config(self: Any) -> dict[str, Any]:
        config = original_config(self)
        config.update(getattr(self, "emulator_alarm_fields", {}))
        return config

    def keep(health_check: Any, config: dict[str, Any]) -> None:
        fields = getattr(health_check, "emulator_alarm_fields", {})
        fields.update({k: config[k] for k in kept if config.get(k) is not None})
        health_check.emulator_alarm_fields = fields

    def create_health_check(self: Any) -> Any:
        result = original_create(self)
        reference = self._get_param("CallerReference")
        for health_check in self.backend.health_checks.values():
            if health_check.caller_reference == reference:
                keep(health_check, self._get_param("HealthCheckConfig") or {})
        return result

    def update_health_check(self: Any) -> Any:
        result = original_update(self)
        health_check = self.backend.get_health_check(self._get_param("HealthCheckId"))
        keep(health_check, {k: self._get_param(k) for k in kept})
        return result

    models.HealthCheck.health_check_config = property(health_check_config)
    responses.Route53.create_health_check = create_health_check
    responses.Route53.update_health_check = update_health_check


# --------------------------------------------------------------------------------------------
# API Gateway (HTTP APIs): what CreateStage refuses
# --------------------------------------------------------------------------------------------

_HTTP_API_LOG_VARIABLES = Path(__file__).with_name("aws-rules") / "http-api-access-log-variables.json"


def apigatewayv2_stage_route_settings_need_their_routes() -> None:
    """CreateStage refuses route settings for a route the API does not have (yet).

    AWS: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html
    (CreateStage, RouteSettings: a map keyed by route key) -- a key that names no route of the
    API is answered with ``NotFoundException: Unable to find Route by key <key> within the
    provided RouteSettings`` (hashicorp/terraform-provider-aws orders its acceptance test's stage
    after the route for this reason). So a stage created before the routes its settings name
    fails a first apply.

    moto 5.2: stores any route settings, so the missing dependency went unnoticed.
    """
    from moto.apigatewayv2 import models

    original = models.Api.create_stage

    def create_stage(self: Any, config: dict[str, Any]) -> Any:
        keys = {r.route_key for r in self.routes.values()}
        for key in config.get("routeSettings") or {}:
            if key not in keys:
                raise _not_found(f"Unable to find Route by key {key} within the provided RouteSettings")
        return original(self, config)

    models.Api.create_stage = create_stage


def apigatewayv2_stage_access_log_variables_are_http_api_ones() -> None:
    """CreateStage refuses an access-log format with a $context variable HTTP APIs do not have.

    AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
    lists the variables HTTP APIs support (some, such as $context.tlsVersion, exist only for REST
    APIs); any other is answered with ``BadRequestException: The following context variables
    are not supported: [...]``. The list is kept as data in aws-rules/, which the stack's tests
    read too.

    moto 5.2: stores any format.
    """
    from moto.apigatewayv2 import exceptions, models

    supported = set(json.loads(_HTTP_API_LOG_VARIABLES.read_text())["variables"])
    original = models.Api.create_stage

    def create_stage(self: Any, config: dict[str, Any]) -> Any:
        fmt = (config.get("accessLogSettings") or {}).get("format") or ""
        unknown = sorted(set(re.findall(r"\$context\.[A-Za-z0-9_.]+", fmt)) - supported)
        if unknown:
            raise exceptions.BadRequestException(
                f"The following context variables are not supported: [{', '.join(unknown)}]"
            )
        return original(self, config)

    models.Api.create_stage = create_stage


def _not_found(message: str) -> Exception:
    from moto.apigatewayv2 import exceptions

    class NotFound(exceptions.APIGatewayV2Error):
        code = 404

        def __init__(self) -> None:
            super().__init__("NotFoundException", message)

    return NotFound()


PATCHES: dict[str, Callable[[], None]] = {
    f.__name__: f
    for f in (
        kms_replicate_key_keeps_its_own_properties,
        kms_multi_region_key_ids_decrypt,
        dynamodb_update_table_manages_replicas,
        dynamodb_writes_are_observable,
        lambda_function_keeps_kms_key_arn,
        s3_replication_rules_keep_all_fields,
        s3_bucket_policy_conditions_apply,
        s3_object_puts_are_observable,
        cloudtrail_trail_arn_names_the_trail,
        route53_health_check_keeps_its_alarm,
        apigatewayv2_stage_route_settings_need_their_routes,
        apigatewayv2_stage_access_log_variables_are_http_api_ones,
    )
}


def apply(without: frozenset[str] = frozenset()) -> list[str]:
    unknown = set(without) - set(PATCHES)
    if unknown:
        raise SystemExit(f"unknown patch(es): {', '.join(sorted(unknown))}; known: {', '.join(PATCHES)}")
    applied = []
    for name, patch in PATCHES.items():
        if name not in without:
            patch()
            applied.append(name)
    return applied
