"""The tags a refresh run carries in Dagster's run storage, named once.

Set by whoever starts the run (`carteira refresh`, the landing sensor, the daily
schedule: orchestration/) and read back by `carteira status` (carteira.operations.status),
which sits below the orchestration and so cannot import it.
"""

from __future__ import annotations

# what started the run: cli, landing (the sensor) or schedule
TRIGGER_TAG = "carteira/trigger"
# the business day the sensor or the schedule asked a refresh for
DAY_TAG = "carteira/day"
# the systems the sensor found late at its cut-off, comma-separated
LATE_TAG = "carteira/late_systems"
# the day a `carteira refresh` run builds (its --as-of, or today)
AS_OF_TAG = "carteira/as_of"
