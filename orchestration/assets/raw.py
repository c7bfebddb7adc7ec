"""Raw layer: one Dagster asset per source table, each with its extract-contract check.

Every asset appends the new files of its table to the raw DuckDB file. DuckDB allows a
single writer, so the job runs these steps one at a time (in-process executor); each step
opens and closes its own connection so that one table's failure leaves the others intact.
"""

from collections.abc import Iterator

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from carteira import progress
from carteira.contract import TABLES, Table
from carteira.ingestion import ensure_raw_schema, ingest_table
from carteira.ingestion.loader import raw_table_name
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

        settings.raw_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.raw_path))
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

        problems = [
            f"{q.file_name} row {q.row_number} column {q.column_name}: {q.reason}"
            for q in result.quarantine[:20]
        ]
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


raw_assets: list[AssetsDefinition] = [_raw_asset(t) for t in TABLES]
