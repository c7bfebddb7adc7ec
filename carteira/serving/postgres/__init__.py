"""`carteira publish-postgres`: the raw layer copied (`sync`), dbt built on PostgreSQL and
swapped in with roles, grants and row-level security (`publish`, `access`)."""
