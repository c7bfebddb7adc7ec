"""Faults a test injects into ingestion: a file whose read fails as a disk would fail it."""

from __future__ import annotations

import pytest


def make_unreadable(patch: pytest.MonkeyPatch, rel_name: str) -> None:
    """Reading the delivery `rel_name` raises an I/O error, in the batch and file by file.

    Bad content is quarantined, never a table failure; an unreadable file is what still
    fails a table, and this is how a test gets one (root reads a chmod-000 file).
    """
    import carteira.ingestion.loader as loader

    batch, one_file = loader.ingest_batch, loader.ingest_file

    def check(delivery) -> None:  # noqa: ANN001
        if delivery.rel_name == rel_name:
            raise OSError(f"[Errno 5] Input/output error: {rel_name}")

    def failing_batch(con, deliveries, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        for delivery in deliveries:
            check(delivery)
        return batch(con, deliveries, *args, **kwargs)

    def failing_file(con, delivery, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        check(delivery)
        return one_file(con, delivery, *args, **kwargs)

    patch.setattr(loader, "ingest_batch", failing_batch)
    patch.setattr(loader, "ingest_file", failing_file)
