"""The emulated two-region AWS: one moto server, AWS behaviours restored, a front per region,
replication between the regions, and a control API.

    python3 server.py --regions us-east-1,us-west-2 [--port 0] [--without-patch NAME ...]

Prints one line ``EMULATOR {json}`` on stdout once it serves: the moto port, each region's front
port and the patches applied. Everything listens on 127.0.0.1 only.

Requests are served one at a time, as in moto_linearizable.py (moto checks
conditional writes without a lock); the replicator applies its changes under the same lock.

Control API (JSON, on the moto port):

    GET  /_emulator/state                      regions, replication, patches
    POST /_emulator/regions/<region>           {"mode": "up"|"refuse"|"reset"|"blackhole", "delayMs": n,
                                                "servicesDown": ["dynamodb"|"s3", ...]}
    POST /_emulator/replication                {"lagMs": n, "paused": true|false, "tableLagMs": n, "s3LagMs": n,
                                                "tableJitterMs": n, "s3JitterMs": n, "seed": n,
                                                "drop": {"dynamodb": f, "s3": f}}
    GET  /_emulator/replication/pending        changes acknowledged but not yet applied, with their age
    POST /_emulator/replication/drain          {"timeoutMs": n} -> 200 once every change committed before
                                               the call is applied, else 504
    GET  /_emulator/journal?since=n            record commits and their replicated copies, from entry n
    GET  /_emulator/calls?since=n              the AWS calls recorded from entry n (EMULATOR_RECORD_CALLS=1;
                                               recorder.py)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from typing import Any
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import moto_linearizable  # noqa: E402  (the request lock and its WSGI wrapper)
import patches  # noqa: E402
import recorder  # noqa: E402
import replication  # noqa: E402
from fronts import Front  # noqa: E402


def control_app(app: Any, fronts: dict[str, Front], replicator: replication.Replicator, applied: list[str],
                calls: recorder.Recorder) -> Any:
    def state() -> dict[str, Any]:
        return {
            "regions": {r: f.state() for r, f in fronts.items()},
            "replication": replicator.state(),
            "patches": applied,
        }

    def handle(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_emulator/"):
            return app(environ, start_response)
        method = environ["REQUEST_METHOD"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
            query = parse_qs(environ.get("QUERY_STRING", ""))
            status, result = route(method, path[len("/_emulator/"):].strip("/"), body, query)
        except (ValueError, KeyError) as e:
            status, result = 400, {"error": str(e)}
        payload = json.dumps(result).encode()
        start_response(f"{status} {'OK' if status == 200 else 'ERROR'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    def route(method: str, path: str, body: dict[str, Any], query: dict[str, list[str]]) -> tuple[int, Any]:
        parts = path.split("/")
        if method == "GET" and path == "state":
            return 200, state()
        if method == "POST" and parts[0] == "regions" and len(parts) == 2:
            front = fronts.get(parts[1])
            if front is None:
                return 404, {"error": f"no region {parts[1]}; regions: {sorted(fronts)}"}
            front.set(body.get("mode"), body.get("delayMs"), body.get("servicesDown"))
            replicator.wake()
            return 200, state()
        if method == "POST" and path == "replication":
            replicator.configure(
                body.get("lagMs"), body.get("paused"),
                table_lag_ms=body.get("tableLagMs"), s3_lag_ms=body.get("s3LagMs"),
                table_jitter_ms=body.get("tableJitterMs"), s3_jitter_ms=body.get("s3JitterMs"),
                seed=body.get("seed"), drop=body.get("drop"),
            )
            return 200, state()
        if method == "GET" and path == "journal":
            return 200, replicator.journal_since(int(query.get("since", ["0"])[0]))
        if method == "GET" and path == "calls":
            return 200, calls.since(int(query.get("since", ["0"])[0]))
        if method == "GET" and path == "replication/pending":
            return 200, replicator.pending()
        if method == "POST" and path == "replication/drain":
            drained = replicator.drain(float(body.get("timeoutMs", 10_000)) / 1000)
            return (200 if drained else 504), {"drained": drained, "pending": replicator.pending()}
        return 404, {"error": f"unknown control call {method} /_emulator/{path}"}

    return handle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--regions", default="us-east-1,us-west-2")
    parser.add_argument("--without-patch", action="append", default=[], help="leave one AWS behaviour unrestored (tests)")
    args = parser.parse_args()

    applied = patches.apply(frozenset(args.without_patch))
    replication.report_replication_status()

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_app = DomainDispatcherApplication(create_backend_app)
    fronts: dict[str, Front] = {}
    replicator = replication.Replicator(moto_linearizable._lock, lambda r, kind: r in fronts and fronts[r].service_down(kind))
    calls = recorder.Recorder()
    app = control_app(calls.wrap(moto_linearizable._serialized(moto_app)), fronts, replicator, applied, calls)
    server = make_server(args.host, args.port, app, threaded=True)
    port = server.server_port
    os.environ.setdefault("MOTO_PORT", str(port))
    for region in [r for r in args.regions.split(",") if r]:
        fronts[region] = Front(region, port, args.host)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("EMULATOR " + json.dumps({
        "port": port,
        "regions": {r: f.port for r, f in fronts.items()},
        "patches": applied,
    }), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
