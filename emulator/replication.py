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

Each change waits ``lag_ms`` after its commit, and nothing moves while replication is paused or
while either region is unreachable (fronts.py), as writes acknowledged by a region that goes dark
stay there until it is back. ``pending()`` lists what has been acknowledged but not yet applied.
"""
from __future__ import annotations

import copy
import itertools
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

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "kind": self.kind, "from": self.source, "to": self.destination, "resource": self.resource,
            "key": self.key, "ageMs": round((now - self.committed) * 1000),
        }


class Replicator:
    def __init__(self, lock: threading.Lock, region_down: Callable[[str], bool]):
        self.lock = lock  # the request lock: changes are applied between requests
        self.region_down = region_down
        self.lag_ms = 0
        self.paused = False
        self.applied = 0
        self.queue: list[Change] = []
        self.cv = threading.Condition()
        self.seq = itertools.count()
        patches.ON_ITEM_WRITE.append(self.on_item_write)
        patches.ON_OBJECT_PUT.append(self.on_object_put)
        threading.Thread(target=self.run, name="replicator", daemon=True).start()

    # ---- control -------------------------------------------------------------------------
    def configure(self, lag_ms: int | None = None, paused: bool | None = None) -> None:
        with self.cv:
            if lag_ms is not None:
                self.lag_ms = max(0, int(lag_ms))
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
            return {"lagMs": self.lag_ms, "paused": self.paused, "pending": len(self.queue), "applied": self.applied}

    def drain(self, timeout_s: float) -> bool:
        deadline = time.time() + timeout_s
        with self.cv:
            while self.queue:
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.cv.wait(min(left, 0.05))
            return True

    # ---- capture (request thread, request lock held) ------------------------------------
    def enqueue(self, change: Change) -> None:
        with self.cv:
            self.queue.append(change)
            self.cv.notify_all()

    def on_item_write(self, table: Any, key: dict[str, Any], image: dict[str, Any] | None) -> None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        now = time.time()
        key_text = repr(sorted(key.items()))
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

            self.enqueue(Change(next(self.seq), "dynamodb", table.region_name, region, name, key_text, now, apply))
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
                                target_name, key.name, time.time(), apply))
            break  # the highest-priority matching rule wins

    # ---- delivery --------------------------------------------------------------------------
    def deliverable(self, c: Change, now: float) -> bool:
        return now >= c.committed + self.lag_ms / 1000 and not self.region_down(c.source) and not self.region_down(c.destination)

    def run(self) -> None:
        while True:
            with self.cv:
                now = time.time()
                ready = None
                if not self.paused:
                    blocked: set[tuple[str, str]] = set()
                    for c in self.queue:  # in order per (source, destination)
                        pair = (c.source, c.destination)
                        if pair in blocked:
                            continue
                        if self.deliverable(c, now):
                            ready = c
                            break
                        blocked.add(pair)
                if ready is None:
                    waits = [c.committed + self.lag_ms / 1000 - now for c in self.queue]
                    self.cv.wait(max(0.01, min([w for w in waits if w > 0], default=0.2)))
                    continue
            with self.lock:
                patches.replicating.active = True
                try:
                    ready.apply()
                finally:
                    patches.replicating.active = False
            with self.cv:
                self.queue.remove(ready)
                self.applied += 1
                self.cv.notify_all()


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
