"""Read-only DuckDB connections for SQL a person writes or shapes: no files, no network.

`read_only=True` only stops writes to the warehouse file itself. DuckDB's table
functions and statements reach the rest of the machine on their own: `COPY (...) TO
'x.csv'` writes a file, `read_text('/etc/hostname')`, `read_csv('<path>')` and `glob()`
read one, `ATTACH` opens another database, `INSTALL`/`LOAD` fetch and run extensions.
`carteira sql` and the reports are documented as read-only views of the published
warehouse, so their connections turn external access off (`enable_external_access =
false`) and then lock the configuration (`lock_configuration = true`), so that a
`SET enable_external_access = true` in the query cannot turn it back on.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# Given at connect time: the order matters to DuckDB only in that both are applied before
# the first statement, which is what `config=` does.
LOCKED_DOWN: dict[str, str | bool] = {
    "enable_external_access": False,
    "lock_configuration": True,
}


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open `path` read-only, with no access to any other file, database or extension."""
    return duckdb.connect(str(path), read_only=True, config=dict(LOCKED_DOWN))
