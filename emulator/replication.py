"""Cross-region replication the way AWS does it, with a lag and a pause switch for drills.

- Global tables (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html):
  a committed write in one replica is applied to every other replica of the table, asynchronously;
  concurrent writes to one item resolve last-writer-wins.
- S3 replication (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html): a new
  object version in a bucket with an enabled rule whose filter matches is copied to the rule's
  destination bucket, keeping its version id and metadata. SSE-KMS objects are replicated only when
  the rule's SourceSelectionCriteria.SseKmsEncryptedObjects is Enabled, and the replica is encrypted
  with the rule's EncryptionConfiguration.ReplicaKmsKeyID
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
  The source version reports x-amz-replication-status PENDING then COMPLETED, the copy REPLICA
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html).

Each change waits its service's lag (``lag_ms`` for both, or ``table_lag_ms`` / ``s3_lag_ms``) plus a
jitter drawn uniformly from ``[0, jitter_ms)`` with a seeded generator, after its commit. Changes are
delivered in order per service, source and destination (a change never overtakes an earlier one of
the same lane), and nothing moves while replication is paused or while either region, or that
service in either region, is unreachable (fronts.py): writes acknowledged by a region that goes dark
stay there until it is back. ``pending()`` lists what has been acknowledged but not yet applied;
``drain()`` waits for the changes committed before it was called, never for an empty queue (the
heartbeat refills it faster than a long lag empties it).

For the DR drill it also keeps a journal of the record commits it saw (each region's own writes of
a committed transaction record, and when each replicated copy landed), publishes
``ReplicationLatency`` into the source region's CloudWatch as DynamoDB does (namespace AWS/DynamoDB,
dimensions TableName and ReceivingRegion, milliseconds), and can drop a fraction of the non-heartbeat
changes of one service: a planted defect for the drill's self-test, never on by default.
"""
from __future__ import annotations

import copy
import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import patches


@dataclass
class Change:
    seq: int
    kind: str  # "dynamodb" | "s3"
    source: str
    destination: str
    resource: str  # table or destination bucket name
    key: str
    committed: float
    apply: Callable[[], None] = field(repr=False)
    due: float = 0.0
    droppable: bool = False
    record: str | None = None  # the transaction id, for a committed record's change

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "kind": self.kind, "from": self.source, "to": self.destination, "resource": self.resource,
            "key": self.key, "ageMs": round((now - self.committed) * 1000),
        }


class Replicator:
    def __init__(self, lock: threading.Lock, region_down: Callable[[str, str], bool]):
        self.lock = lock  # the request lock: changes are applied between requests
        self.region_down = region_down
        self.lag_ms = {"dynamodb": 0, "s3": 0}
        self.jitter_ms = {"dynamodb": 0, "s3": 0}
        self.drop = {"dynamodb": 0.0, "s3": 0.0}
        self.dropped = 0
        self.rng = random.Random(0)
        self.publish_latency = True
        self.paused = False
        self.applied = 0
        self.journal: list[dict[str, Any]] = []
        self.queue: list[Change] = []
        self.cv = threading.Condition()
        self.seq = itertools.count()
        patches.ON_ITEM_WRITE.append(self.on_item_write)
        patches.ON_OBJECT_PUT.append(self.on_object_put)
        threading.Thread(target=self.run, name="replicator", daemon=True).start()

    # ---- control -------------------------------------------------------------------------
    def configure(self, lag_ms: int | None = None, paused: bool | None = None, **more: Any) -> None:
        """lag_ms sets both services' base lag; table_lag_ms / s3_lag_ms, table_jitter_ms /
        s3_jitter_ms, seed, and drop ({"dynamodb": fraction, "s3": fraction}) refine it."""
        with self.cv:
            if lag_ms is not None:
                self.lag_ms = {k: max(0, int(lag_ms)) for k in self.lag_ms}
            for kind, name in (("dynamodb", "table"), ("s3", "s3")):
                if more.get(f"{name}_lag_ms") is not None:
                    self.lag_ms[kind] = max(0, int(more[f"{name}_lag_ms"]))
                if more.get(f"{name}_jitter_ms") is not None:
                    self.jitter_ms[kind] = max(0, int(more[f"{name}_jitter_ms"]))
            if more.get("seed") is not None:
                self.rng = random.Random(int(more["seed"]))
            if more.get("drop") is not None:
                self.drop = {k: min(1.0, max(0.0, float((more["drop"] or {}).get(k, 0)))) for k in self.drop}
            if paused is not None:
                self.paused = bool(paused)
            self.cv.notify_all()

    def wake(self) -> None:
        with self.cv:
            self.cv.notify_all()

    def pending(self) -> list[dict[str, Any]]:
        now = time.time()
        with self.cv:
            return [c.describe(now) for c in self.queue]

    def state(self) -> dict[str, Any]:
        with self.cv:
            return {
                "lagMs": max(self.lag_ms.values()), "tableLagMs": self.lag_ms["dynamodb"], "s3LagMs": self.lag_ms["s3"],
                "tableJitterMs": self.jitter_ms["dynamodb"], "s3JitterMs": self.jitter_ms["s3"],
                "drop": dict(self.drop), "dropped": self.dropped,
                "paused": self.paused, "pending": len(self.queue), "applied": self.applied,
            }

    def drain(self, timeout_s: float) -> bool:
        """True once every change committed before this call has been applied (or dropped);
        changes committed meanwhile (heartbeats) are not waited for."""
        deadline = time.time() + timeout_s
        with self.cv:
            watermark = self.queue[-1].seq if self.queue else -1
            while any(c.seq <= watermark for c in self.queue):
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.cv.wait(min(left, 0.05))
            return True

    def journal_since(self, start: int) -> dict[str, Any]:
        with self.cv:
            return {"next": len(self.journal), "entries": self.journal[start:]}

    # ---- capture (request thread, request lock held) ------------------------------------
    def enqueue(self, change: Change) -> None:
        with self.cv:
            change.due = change.committed + (self.lag_ms[change.kind] + self.rng.random() * self.jitter_ms[change.kind]) / 1000
            self.queue.append(change)
            self.cv.notify_all()

    def on_item_write(self, table: Any, key: dict[str, Any], image: dict[str, Any] | None) -> None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        now = time.time()
        key_text = repr(sorted(key.items()))
        ident = str(next(iter((key.get("transactionId") or {}).values()), ""))
        record = _committed_record(ident, image)
        if record is not None:
            with self.cv:
                self.journal.append({"kind": "commit", "region": table.region_name, "id": ident, "at": round(now * 1000), **record})
        for region in list(table.emulator_replicas):
            if region == table.region_name:
                continue
            account, name, image_copy = table.account_id, table.name, copy.deepcopy(image)

            def apply(region: str = region, account: str = account, name: str = name,
                      image: dict[str, Any] | None = image_copy, committed: float = now) -> None:
                target = dynamodb_backends[account][region].tables.get(name)
                if target is None:
                    return
                stamps = target.__dict__.setdefault("emulator_write_times", {})
                if stamps.get(key_text, 0) > committed:
                    return  # last writer wins: the replica holds a newer write
                stamps[key_text] = committed
                if image is not None:
                    target.put_item(image)
                else:
                    hash_key = DynamoType(key[target.hash_key_attr])
                    range_key = DynamoType(key[target.range_key_attr]) if target.range_key_attr else None
                    target.delete_item(hash_key, range_key)

            self.enqueue(Change(next(self.seq), "dynamodb", table.region_name, region, name, key_text, now, apply,
                                droppable=not ident.startswith("#"), record=ident if record is not None else None))
        table.__dict__.setdefault("emulator_write_times", {})[key_text] = now

    def on_object_put(self, backend: Any, bucket: Any, key: Any) -> None:
        config = bucket.replication
        rules = sorted(config.get("Rule", []), key=lambda r: -int(r.get("Priority") or 0))
        for rule in rules:
            if rule.get("Status") != "Enabled" or not _matches(rule, key.name):
                continue
            kms = key.encryption == "aws:kms"
            criteria = ((rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects") or {}).get("Status")
            if kms and criteria != "Enabled":
                continue
            destination = rule["Destination"]
            target_name = destination["Bucket"].split(":::")[-1]
            replica_key_id = ((destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID"))
            try:
                target_bucket = backend.get_bucket(target_name)
            except Exception:
                key.emulator_replication_status = "FAILED"
                continue
            key.emulator_replication_status = "PENDING"
            value, metadata, version_id = bytes(key.value), dict(key.metadata), key.version_id
            storage = destination.get("StorageClass") or key._storage_class

            def apply(source: Any = key, target_name: str = target_name, value: bytes = value,
                      metadata: dict[str, Any] = metadata, version_id: str = version_id,
                      kms: bool = kms, replica_key_id: str | None = replica_key_id, storage: str = storage) -> None:
                try:
                    replica = backend.put_object(
                        target_name, source.name, value, storage=storage,
                        encryption="aws:kms" if (kms and replica_key_id) else source.encryption,
                        kms_key_id=replica_key_id if kms else source.kms_key_id,
                        disable_notification=True,
                    )
                    replica.set_metadata(metadata)
                    replica._version_id = version_id
                    replica.emulator_replication_status = "REPLICA"
                    source.emulator_replication_status = "COMPLETED"
                except Exception:
                    source.emulator_replication_status = "FAILED"

            self.enqueue(Change(next(self.seq), "s3", bucket.region_name, target_bucket.region_name,
                                target_name, key.name, time.time(), apply, droppable=True))
            break  # the highest-priority matching rule wins

    # ---- delivery --------------------------------------------------------------------------
    def deliverable(self, c: Change, now: float) -> bool:
        return now >= c.due and not self.region_down(c.source, c.kind) and not self.region_down(c.destination, c.kind)

    def publish(self, c: Change, applied_at: float) -> None:
        """ReplicationLatency as DynamoDB publishes it: in the source region, per receiving region."""
        if c.kind != "dynamodb" or not self.publish_latency:
            return
        try:
            from moto.cloudwatch.models import cloudwatch_backends
            from moto.dynamodb.models import dynamodb_backends

            account = next(a for a in dynamodb_backends if c.resource in dynamodb_backends[a][c.source].tables)
            cloudwatch_backends[account][c.source].put_metric_data("AWS/DynamoDB", [{
                "MetricName": "ReplicationLatency", "Unit": "Milliseconds",
                "Value": round((applied_at - c.committed) * 1000, 1),
                "Dimensions": [{"Name": "TableName", "Value": c.resource}, {"Name": "ReceivingRegion", "Value": c.destination}],
            }])
        except Exception:
            pass  # a metric is an observation: it never stops replication

    def run(self) -> None:
        while True:
            with self.cv:
                now = time.time()
                ready = None
                if not self.paused:
                    blocked: set[tuple[str, str]] = set()
                    for c in self.queue:  # in order per (service, source, destination)
                        pair = (c.kind, c.source, c.destination)
                        if pair in blocked:
                            continue
                        if self.deliverable(c, now):
                            ready = c
                            break
                        blocked.add(pair)
                if ready is None:
                    waits = [c.due - now for c in self.queue]
                    self.cv.wait(max(0.01, min([w for w in waits if w > 0], default=0.2)))
                    continue
                dropped = ready.droppable and self.drop[ready.kind] > 0 and self.rng.random() < self.drop[ready.kind]
            if not dropped:
                with self.lock:
                    patches.replicating.active = True
                    try:
                        ready.apply()
                        applied_at = time.time()
                        self.publish(ready, applied_at)
                    finally:
                        patches.replicating.active = False
            with self.cv:
                self.queue.remove(ready)
                if dropped:
                    self.dropped += 1
                else:
                    self.applied += 1
                    if ready.record is not None:
                        self.journal.append({"kind": "replicated", "id": ready.record, "from": ready.source,
                                             "to": ready.destination, "at": round(applied_at * 1000)})
                self.cv.notify_all()


def _committed_record(ident: str, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """A transaction record written committed (not a claim, not a heartbeat): what the journal keeps."""
    if image is None or not ident or ident.startswith("#") or ident.endswith("#claim"):
        return None
    if (image.get("status") or {}).get("S") != "committed":
        return None
    return {"requestId": (image.get("requestId") or {}).get("S"), "fingerprint": (image.get("fingerprint") or {}).get("S")}


def _matches(rule: dict[str, Any], name: str) -> bool:
    if "Prefix" in rule and rule["Prefix"] is not None:
        return name.startswith(rule["Prefix"] or "")
    f = rule.get("Filter") or {}
    if "Prefix" in f:
        return name.startswith(f["Prefix"] or "")
    if "And" in f:
        return name.startswith((f["And"] or {}).get("Prefix") or "")
    return True  # empty filter: every object (tag filters are not evaluated here)


def report_replication_status() -> None:
    """HeadObject/GetObject report x-amz-replication-status for replicated objects."""
    from moto.s3.models import FakeKey

    original = FakeKey.response_dict.fget

    def response_dict(self: Any) -> dict[str, Any]:
        res = original(self)
        status = getattr(self, "emulator_replication_status", None)
        if status:
            res["x-amz-replication-status"] = status
        return res

    FakeKey.response_dict = property(response_dict)
