"""Running the warehouse in production (docs/operations.md): how late each source is
(`freshness`), the last refresh's record (`run_record`), `carteira status` (`status`),
alert delivery (`alerting`) and the production Dagster instance (`dagster_home`)."""
