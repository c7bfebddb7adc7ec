{#-
  Client card, notes (docs/contract/reports.md 5): one row per note (warning, contact,
  reference).
-#}
select
    note_id,
    client_key,
    kind,
    created_at,
    created_date,
    body,
    created_by_name
from {{ ref('fct_client_notes') }}
