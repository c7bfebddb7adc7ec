"""Run SQL on a Spark Thrift server as dbt-spark does (PyHive), from Spark's own environment.

Called by `carteira spark up` (is the server ready?) and by tests/test_spark_cluster.py,
with this environment's Python (spark/.venv): PyHive lives here, beside pyspark, not in
Carteira's own environment. Retries the connection until --wait seconds have passed (the
server accepts its port before it can run a query); prints the last statement's rows as
one JSON list, or exits 1 with the last error on stderr.

    python thrift_query.py --endpoint 127.0.0.1:10000 [--wait 30] "select 1" ...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def run(host: str, port: int, statements: list[str]) -> list[list[Any]]:
    from pyhive import hive

    connection = hive.connect(host=host, port=port, username="carteira")
    try:
        cursor = connection.cursor()
        rows: list[list[Any]] = []
        for statement in statements:
            cursor.execute(statement)
            rows = [list(row) for row in cursor.fetchall()] if cursor.description else []
        return rows
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="host:port of the Thrift server")
    parser.add_argument("--wait", type=float, default=0, help="seconds to retry connecting")
    parser.add_argument("statements", nargs="+")
    args = parser.parse_args(argv)
    host, port = args.endpoint.rsplit(":", 1)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            rows = run(host, int(port), args.statements)
        except Exception as exc:  # noqa: BLE001 - thrift and transport errors alike
            if time.monotonic() >= deadline:
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
            time.sleep(1)
            continue
        print(json.dumps(rows, default=str))
        return 0


if __name__ == "__main__":
    sys.exit(main())
