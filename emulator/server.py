"""The emulated two-region AWS: one moto server, AWS behaviours restored, a front per region,
replication between the regions, and a control API.

    python3 server.py --regions us-east-1,us-west-2 [--port 0] [--without-patch NAME ...]

Prints one line ``EMULATOR {json}`` on stdout once it serves: the moto port, each region's front
port and the patches applied. Everything listens on 127.0.0.1 only.

    python3 server.py --fork-server

Starts emulators on request, for a test that needs many at once: it imports moto once, then forks
one emulator per line read on stdin (JSON: {"id", "regions", "withoutPatches", "recordCalls"}),
each on ports of its own, with only its own patches applied; each prints its ``EMULATOR`` line
with that id and its pid, and stops on SIGTERM. When stdin closes, every emulator still
running is stopped, then the fork server exits.

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


def serve(host: str, port: int, regions: list[str], without: frozenset[str], tag: dict[str, Any]) -> None:
    applied = patches.apply(without)
    replication.report_replication_status()

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_app = DomainDispatcherApplication(create_backend_app)
    fronts: dict[str, Front] = {}
    replicator = replication.Replicator(moto_linearizable._lock, lambda r, kind: r in fronts and fronts[r].service_down(kind))
    calls = recorder.Recorder()
    app = control_app(calls.wrap(moto_linearizable._serialized(moto_app)), fronts, replicator, applied, calls)
    server = make_server(host, port, app, threaded=True)
    port = server.server_port
    os.environ.setdefault("MOTO_PORT", str(port))
    for region in regions:
        fronts[region] = Front(region, port, host)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    announce("EMULATOR", {
        **tag,
        "port": port,
        "regions": {r: f.port for r, f in fronts.items()},
        "patches": applied,
    })
    server.serve_forever()


def announce(kind: str, payload: dict[str, Any]) -> None:
    """One line on stdout in one write: the emulators of a fork server share the pipe, and a write
    of at most PIPE_BUF bytes is never interleaved with another (print may write the newline apart)."""
    os.write(1, f"{kind} {json.dumps(payload)}\n".encode())


def fork_server(host: str) -> None:
    """--fork-server: one emulator per stdin line, each forked after the imports (module docstring)."""
    import threading

    # What serve() and the patches import, loaded once here rather than in every emulator.
    from moto.apigatewayv2 import models as _apigatewayv2  # noqa: F401
    from moto.awslambda import models as _awslambda  # noqa: F401
    from moto.cloudtrail import models as _cloudtrail  # noqa: F401
    from moto.kms import models as _kms  # noqa: F401
    from moto.moto_server import werkzeug_app as _werkzeug_app  # noqa: F401
    from moto.route53 import models as _route53  # noqa: F401
    from moto.s3 import models as _s3  # noqa: F401
    from werkzeug import serving as _serving  # noqa: F401

    children: list[int] = []

    def reap(*_: Any) -> None:
        # Reaped here, not by the kernel (SIG_IGN): so their CPU time counts as this server's.
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    for line in sys.stdin:
        spec = json.loads(line)
        # A thread would not survive the fork, and a lock it held would stay held in the child.
        if threading.active_count() != 1:
            raise SystemExit("fork server: a thread is running; cannot fork safely")
        pid = os.fork()
        if pid == 0:
            try:
                os.close(0)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.environ["EMULATOR_RECORD_CALLS"] = "1" if spec.get("recordCalls") else "0"
                serve(host, 0, list(spec["regions"]), frozenset(spec.get("withoutPatches", [])),
                      {"id": spec["id"], "pid": os.getpid()})
            except BaseException as e:  # noqa: B036 (the child must never return into the loop)
                announce("EMULATOR_FAILED", {"id": spec["id"], "error": str(e)[:2000]})
            finally:
                os._exit(1)
        children.append(pid)
    for pid in children:
        for sig in (signal.SIGTERM, signal.SIGCONT):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--regions", default="us-east-1,us-west-2")
    parser.add_argument("--without-patch", action="append", default=[], help="leave one AWS behaviour unrestored (tests)")
    parser.add_argument("--fork-server", action="store_true", help="start emulators on request (module docstring)")
    args = parser.parse_args()
    if args.fork_server:
        fork_server(args.host)
        return
    serve(args.host, args.port, [r for r in args.regions.split(",") if r], frozenset(args.without_patch), {})


if __name__ == "__main__":
    main()
