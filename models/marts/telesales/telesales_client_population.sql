{#-
  Telesales report, mode client_owner: the population of clients, one row per
  live unified client that has a live crm record (the crm client list is what
  carries owner, source, group and creation date). owner_staff_id null = the
  `unassigned` row of the report. Clients known only to studio or erp have no
  owner and no creation date in the crm: they are not part of the telesales
  population.
-#}
{{ config(tags=['as_of']) }}

select
    cast(client_key as varchar) as client_key,
    cast(crm_client_id as varchar) as crm_client_id,
    cast(full_name as varchar) as full_name,
    cast(owner_staff_id as varchar) as owner_staff_id,
    cast(source as varchar) as source,
    cast(client_group as varchar) as client_group,
    cast(created_at as timestamp) as created_at,
    cast(created_at as date) as created_date,
    cast({{ as_of_date() }} as date) as as_of
from {{ ref('dim_client') }}
where not is_deleted
  and crm_client_id is not null
