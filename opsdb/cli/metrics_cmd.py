"""`opsdb metrics serve`: Prometheus metrics over HTTP (needs the extra `opsdb[metrics]`).

Argument parsing only; the collectors are opsdb/metrics.py.
"""

from __future__ import annotations

import argparse

from opsdb.cli.common import EXIT_OK, UsageError, add_command


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "metrics",
        help="export Prometheus metrics (queue health, copies, registration, work events)",
        examples=["opsdb metrics serve --port 9187", "curl -s localhost:9187/metrics | grep opsdb_queue"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = add_command(
        actions,
        "serve",
        help="serve /metrics over HTTP until interrupted",
        examples=["opsdb metrics serve --port 9187 --address 0.0.0.0"],
    )
    serve.add_argument("--port", type=_port, default=9187, help="TCP port (default 9187; 0 picks a free one)")
    serve.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    import sys
    import time

    from opsdb.cli.common import Interrupted
    from opsdb.cli.target import resolve
    from opsdb.reports import QUEUES_SQL

    try:
        from opsdb.metrics import serve
    except ImportError:  # pragma: no cover - checked below
        raise UsageError("metrics need the extra: pip install 'opsdb[metrics]'") from None
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise UsageError("metrics need the extra: pip install 'opsdb[metrics]'") from None
    target = resolve(args)
    try:
        server, _thread = serve(target.dsn, args.port, args.address, queues_sql=QUEUES_SQL)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.address}:{args.port}: {exc.strerror}") from None
    print(f"serving metrics on http://{args.address}:{server.server_port}/metrics", flush=True)
    sys.stdout.flush()
    Interrupted.committed = "nothing to commit (metrics only read)"
    while True:
        time.sleep(3600)
    return EXIT_OK  # pragma: no cover
