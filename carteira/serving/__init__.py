"""Serving the published warehouse to people: PostgreSQL and Apache Superset.

`row_access` reads who may see which rows of each relation (the dbt models'
`meta.row_access`) and writes that rule as SQL once; `postgres` publishes the warehouse to
PostgreSQL with row-level security from it, `superset` runs Superset with the same rule as
its row-level security.
"""
