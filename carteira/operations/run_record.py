"""The last refresh's record, kept beside the warehouse: what `carteira status` reports.

A refresh started from the command line runs in a throw-away Dagster instance (unless
DAGSTER_HOME is set), so nothing else remembers it. Each refresh that ran (it held the
refresh lock) writes ``<warehouse>.last_run.json``: when it started and ended, its result
and exit code, the as_of it built and its summary. The write is atomic (a temporary file
in the same folder, flushed, then renamed over the old one): a reader sees the previous
record or the new one, never half of one, even if the machine stops mid-write.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = {0: "published", 1: "published_with_quarantine", 2: "not_published", 3: "could_not_run"}


def record_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".last_run.json")


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: datetime  # timezone-aware (UTC)
    ended_at: datetime
    exit_code: int
    as_of: str
    trigger: str = "cli"  # cli | schedule | sensor | dagster
    summary: list[str] = field(default_factory=list)
    freshness: dict[str, str] = field(default_factory=dict)

    @property
    def result(self) -> str:
        return RESULTS.get(self.exit_code, "failed")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat()
        data["result"] = self.result
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in names}
        values["started_at"] = datetime.fromisoformat(data["started_at"])
        values["ended_at"] = datetime.fromisoformat(data["ended_at"])
        return cls(**values)


def write_record(warehouse_path: Path, record: RunRecord) -> Path:
    """Replace the warehouse's run record atomically (temporary file + rename)."""
    target = record_path(warehouse_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record.to_json(), fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_record(warehouse_path: Path) -> RunRecord | None:
    """The last run's record; None when no refresh has run (or the file is unreadable)."""
    try:
        data = json.loads(record_path(warehouse_path).read_text(encoding="utf-8"))
        return RunRecord.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
