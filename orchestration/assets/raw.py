"""Raw layer: one Dagster step ingesting every source table, one asset and check per table.

The 31 ``raw/<table>`` assets (the keys the dbt sources map to), each with its
extract-contract check, are produced by ONE ``multi_asset`` step over ONE connection to
the raw DuckDB file: DuckDB allows a single writer anyway, and one step instead of 31
saves Dagster's per-step overhead (step events, resource set-up, a connection each). The step
can be subset (materialize some tables only). Each table is its own batch
(``carteira.ingestion``): one table's failure leaves the others loaded, and once every
selected table has been tried the step fails naming each failed table and file, so the
run fails and nothing is published; what is not in the manifest is retried next run.

With a lake set (``CARTEIRA_LAKE``) the step ends by mirroring the raw layer into it as
Parquet (``carteira.ingestion.lake``), on the same connection and before it fails for a
failed table: the tables that loaded are mirrored all the same. A lake error (a load id
that cannot name a file, a link in the lake) fails the step like an ingestion error.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from carteira import progress
from carteira.contract import TABLES, Table
from carteira.ingestion import (
    FileHashes,
    TableIngestResult,
    ValidationThread,
    ensure_raw_schema,
    ingest_table,
    manifest_hashes,
    raw_table_name,
    scan_deliveries,
    validation_thread,
)
from carteira.ingestion.lake import sync_lake
from carteira.ingestion.unread import unread_entries
from carteira.refresh.lock import acquire_refresh_lock, connect_for_write
from orchestration.resources import CarteiraResource

RAW_GROUP = "raw"
CONTRACT_CHECK = "extract_contract"
# the step's name; orchestration.run counts steps named raw* as ingestion time
RAW_STEP = "raw_tables"


def raw_asset_key(table: Table) -> AssetKey:
    return AssetKey(["raw", table.fqn])


def _spec(table: Table) -> AssetSpec:
    return AssetSpec(
        raw_asset_key(table),
        group_name=RAW_GROUP,
        kinds={"duckdb", table.system},
        description=(
            f"{table.description} Append-only history of every delivered "
            f"`{table.system}/{table.name}` extract row (raw.{table.fqn})."
        ),
        skippable=True,  # a table that failed is not materialized (and the step fails)
    )


def _check_spec(table: Table) -> AssetCheckSpec:
    return AssetCheckSpec(
        CONTRACT_CHECK,
        asset=raw_asset_key(table),
        description=(
            "great-expectations validation of each newly delivered file against the "
            "contract (required columns, key present and unique, enums, formats); fails "
            "when a file or row was quarantined."
        ),
    )


def _materialization(table: Table, result: TableIngestResult, total_rows: int) -> MaterializeResult:
    return MaterializeResult(
        asset_key=raw_asset_key(table),
        metadata={
            "files_seen": result.files_seen,
            "files_loaded": result.files_loaded,
            "files_skipped": result.files_skipped,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "raw_rows_total": total_rows,
        },
    )


def _check_result(table: Table, result: TableIngestResult) -> AssetCheckResult:
    """The contract check of a table, once its validations have finished."""
    problems = [q.describe() for q in result.quarantine[:20]]
    failed = [v for v in result.validations if not v.success]
    passed = not failed and result.rows_quarantined == 0 and not result.quarantine
    return AssetCheckResult(
        asset_key=raw_asset_key(table),
        check_name=CONTRACT_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "files_validated": len(result.validations),
            "files_failed": len(failed),
            "rows_quarantined": result.rows_quarantined,
            "problems": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
            **({"first_failure": MetadataValue.json(failed[0].to_metadata())} if failed else {}),
        },
    )


@multi_asset(
    name=RAW_STEP,
    specs=[_spec(t) for t in TABLES],
    check_specs=[_check_spec(t) for t in TABLES],
    can_subset=True,
)
def raw_tables(
    context: AssetExecutionContext, carteira: CarteiraResource
) -> Iterator[MaterializeResult | AssetCheckResult]:
    settings = carteira.settings()
    selected = [t for t in TABLES if raw_asset_key(t) in context.selected_asset_keys]
    checks = set(context.selected_asset_check_keys)

    def report(message: str, files: int) -> None:  # a file, or a table's skipped files
        context.log.info(message)
        for i in range(files):
            progress.advance("ingest", message if i == 0 else None)

    # `carteira refresh` already holds it; a run started by Dagster itself takes it here
    # and keeps it until its process ends
    acquire_refresh_lock(settings.warehouse_path)
    settings.raw_path.parent.mkdir(parents=True, exist_ok=True)
    con = connect_for_write(settings.raw_path, settings.raw_lock_wait_seconds)
    errors: dict[str, str] = {}
    # the landing folders listed once: the hashes started ahead, the warm-up and the
    # loads all work from this
    # up to the day the refresh describes (today when no as_of is set): a delivery dated
    # later is not read, and the landing_zone check lists it
    scans = scan_deliveries(settings.landing_dir, selected, settings.effective_as_of())
    hashes = FileHashes.of_deliveries(scans)
    background: ValidationThread | None = None
    # each table is materialized as soon as it is committed; its contract check once
    # great-expectations (on the background thread) has finished with it
    loaded: list[tuple[Table, TableIngestResult]] = []
    lake_errors: list[str] = []
    try:
        ensure_raw_schema(con)
        manifest = manifest_hashes(con, selected)
        background = validation_thread(scans, manifest)
        for scan in scans:
            table = scan.table
            result = ingest_table(
                con,
                settings.landing_dir,
                table,
                quarantine_dir=settings.quarantine_dir,
                load_id=context.run.run_id,
                as_of=settings.effective_as_of(),
                progress=report,
                hashes=hashes,
                background=background,
                deliveries=scan,
                loaded=manifest[table.fqn],
            )
            if result.error is not None:
                errors[table.fqn] = result.error
                continue
            (total_rows,) = con.execute(
                f"select count(*) from {raw_table_name(table, con)}"
            ).fetchone()
            yield _materialization(table, result, total_rows)
            loaded.append((table, result))
        for table, result in loaded:
            result.finish_validations()
            if result.error is not None:
                errors[table.fqn] = result.error
            elif AssetCheckKey(raw_asset_key(table), CONTRACT_CHECK) in checks:
                yield _check_result(table, result)
        if settings.lake_dir is not None:
            lake = sync_lake(con, settings.lake_dir)
            context.log.info(
                f"{lake.summary()}, {lake.rows_written} row(s) in {lake.seconds:.2f} s"
            )
            progress.emit(lake.summary())
            lake_errors = lake.errors
    finally:
        if background is not None:
            background.close()
        hashes.close()
        con.close()
    if errors or lake_errors:
        raise Failure(
            description="\n".join(
                [
                    *(
                        f"ingesting raw.{fqn} failed at " + error.splitlines()[0]
                        for fqn, error in errors.items()
                    ),
                    *lake_errors,
                ]
            ),
            metadata={"error": MetadataValue.text("\n\n".join([*errors.values(), *lake_errors]))},
            allow_retries=False,
        )


LANDING_ZONE_KEY = AssetKey(["landing_zone"])
KNOWN_ENTRIES_CHECK = "only_contract_entries"


@asset(
    key=LANDING_ZONE_KEY,
    group_name=RAW_GROUP,
    description=(
        "The landing folder as delivered: what the contract knows is ingested by the raw "
        "assets; everything else (unknown system or table folders, stray files, links and "
        "other non-regular files, deliveries dated after as_of) is not read and is listed "
        "by the warn-severity check, so nothing is skipped silently."
    ),
    check_specs=[
        AssetCheckSpec(
            KNOWN_ENTRIES_CHECK,
            asset=LANDING_ZONE_KEY,
            description=(
                "Every folder and file of the landing zone belongs to a contract table, is a "
                "regular file (no link, no FIFO) and is dated up to as_of: it is read."
            ),
        )
    ],
)
def landing_zone(
    context: AssetExecutionContext, carteira: CarteiraResource
) -> Iterator[MaterializeResult | AssetCheckResult]:
    settings = carteira.settings()
    unread = unread_entries(settings.landing_dir, settings.effective_as_of())
    for line in unread:
        context.log.warning(line)
        progress.emit(line)
    yield MaterializeResult(
        asset_key=LANDING_ZONE_KEY,
        metadata={"path": str(settings.landing_dir), "unknown_entries": len(unread)},
    )
    yield AssetCheckResult(
        asset_key=LANDING_ZONE_KEY,
        check_name=KNOWN_ENTRIES_CHECK,
        passed=not unread,
        severity=AssetCheckSeverity.WARN,
        metadata={"lines": MetadataValue.json(unread)},
    )


raw_assets: list[AssetsDefinition] = [landing_zone, raw_tables]
