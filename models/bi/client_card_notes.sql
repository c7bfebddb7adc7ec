{#-
  Client card, notes (docs/contract/reports.md 5): one row per note (warning, contact,
  reference).
-#}
select
    cast(note_id as varchar) as note_id,
    cast(client_key as varchar) as client_key,
    cast(kind as varchar) as kind,
    cast(created_at as timestamp) as created_at,
    cast(created_date as date) as created_date,
    cast(body as varchar) as body,
    cast(created_by_name as varchar) as created_by_name
from {{ ref('fct_client_notes') }}
