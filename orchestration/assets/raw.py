"""Raw layer: one Dagster asset per source table, each with its extract-contract check.

Every asset appends the new files of its table to the raw DuckDB file. DuckDB allows a
single writer, so the job runs these steps one at a time (in-process executor); each step
opens and closes its own connection so that one table's failure leaves the others intact.
An unexpected error while ingesting a table fails its step (and so the run: nothing is
published); the file it stopped at is not in the manifest, so the next run retries it.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from carteira import progress
from carteira.contract import TABLES, Table
from carteira.ingestion import ensure_raw_schema, ingest_table, raw_table_name
from carteira.ingestion.files import unknown_entries
from carteira.locking import acquire_refresh_lock, connect_for_write
from orchestration.resources import CarteiraResource

RAW_GROUP = "raw"
CONTRACT_CHECK = "extract_contract"


def raw_asset_key(table: Table) -> AssetKey:
    return AssetKey(["raw", table.fqn])


def _raw_asset(table: Table) -> AssetsDefinition:
    key = raw_asset_key(table)

    @asset(
        key=key,
        group_name=RAW_GROUP,
        kinds={"duckdb", table.system},
        description=(
            f"{table.description} Append-only history of every delivered "
            f"`{table.system}/{table.name}` extract row (raw.{table.fqn})."
        ),
        check_specs=[
            AssetCheckSpec(
                CONTRACT_CHECK,
                asset=key,
                description=(
                    "great-expectations validation of each newly delivered file against the "
                    "contract (required columns, key present and unique, enums, formats); fails "
                    "when a file or row was quarantined."
                ),
            )
        ],
    )
    def _ingest(
        context: AssetExecutionContext, carteira: CarteiraResource
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        settings = carteira.settings()

        def report(message: str) -> None:  # once per file of the table
            context.log.info(message)
            progress.advance("ingest", message)

        # `carteira refresh` already holds it; a run started by Dagster itself takes it here
        # and keeps it until its process ends
        acquire_refresh_lock(settings.warehouse_path)
        settings.raw_path.parent.mkdir(parents=True, exist_ok=True)
        con = connect_for_write(settings.raw_path, settings.raw_lock_wait_seconds)
        try:
            ensure_raw_schema(con)
            result = ingest_table(
                con,
                settings.landing_dir,
                table,
                quarantine_dir=settings.quarantine_dir,
                load_id=context.run.run_id,
                as_of=settings.as_of,
                progress=report,
            )
            total_rows = con.execute(
                f"select count(*) from {raw_table_name(table, con)}"
            ).fetchone()[0]
        finally:
            con.close()

        if result.error is not None:
            raise Failure(
                description=f"ingesting raw.{table.fqn} failed at " + result.error.splitlines()[0],
                metadata={"error": MetadataValue.text(result.error)},
                allow_retries=False,
            )
        problems = [q.describe() for q in result.quarantine[:20]]
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "files_seen": result.files_seen,
                "files_loaded": result.files_loaded,
                "files_skipped": result.files_skipped,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "raw_rows_total": total_rows,
            },
        )
        failed = [v for v in result.validations if not v.success]
        passed = not failed and result.rows_quarantined == 0 and not result.quarantine
        yield AssetCheckResult(
            asset_key=key,
            check_name=CONTRACT_CHECK,
            passed=passed,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "files_validated": len(result.validations),
                "files_failed": len(failed),
                "rows_quarantined": result.rows_quarantined,
                "problems": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
                **(
                    {"first_failure": MetadataValue.json(failed[0].to_metadata())} if failed else {}
                ),
            },
        )

    return _ingest


LANDING_ZONE_KEY = AssetKey(["landing_zone"])
KNOWN_ENTRIES_CHECK = "only_contract_entries"


@asset(
    key=LANDING_ZONE_KEY,
    group_name=RAW_GROUP,
    description=(
        "The landing folder as delivered: what the contract knows is ingested by the raw "
        "assets; everything else (unknown system or table folders, stray files) is listed "
        "by the warn-severity check, so nothing is skipped silently."
    ),
    check_specs=[
        AssetCheckSpec(
            KNOWN_ENTRIES_CHECK,
            asset=LANDING_ZONE_KEY,
            description="Every folder and file of the landing zone belongs to a contract table.",
        )
    ],
)
def landing_zone(
    context: AssetExecutionContext, carteira: CarteiraResource
) -> Iterator[MaterializeResult | AssetCheckResult]:
    settings = carteira.settings()
    unknown = unknown_entries(settings.landing_dir)
    for line in unknown:
        context.log.warning(f"not in the contract, not read: {line}")
    yield MaterializeResult(
        asset_key=LANDING_ZONE_KEY,
        metadata={"path": str(settings.landing_dir), "unknown_entries": len(unknown)},
    )
    yield AssetCheckResult(
        asset_key=LANDING_ZONE_KEY,
        check_name=KNOWN_ENTRIES_CHECK,
        passed=not unknown,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "lines": MetadataValue.json([f"not in the contract, not read: {u}" for u in unknown])
        },
    )


raw_assets: list[AssetsDefinition] = [landing_zone, *(_raw_asset(t) for t in TABLES)]
