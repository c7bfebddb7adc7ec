{#-
  Telesales report (docs/contract/reports.md 3): its population in both owner modes, one row
  per (owner_mode, population_unit_id). owner_mode client_owner: one row per
  crm client (unit = client_key, owner = clients.owner_staff_id);
  opportunity_owner: one row per opportunity (unit = opportunity_id, owner =
  opportunities.owner_staff_id, with its campaign). count(*) is the report's
  "clients" (opportunities in opportunity mode). owner_staff_id null is the
  `unassigned` row.
-#}
{{ config(tags=['as_of']) }}

with clients as (
    select * from {{ ref('telesales_client_population') }}
),

opportunities as (
    select * from {{ ref('telesales_opportunity_population') }}
),

staff as (
    select staff_id, full_name from {{ ref('dim_staff') }}
),

population as (
    select
        'client_owner' as owner_mode,
        client_key as population_unit_id,
        client_key,
        full_name,
        owner_staff_id,
        cast(null as varchar) as campaign_id,
        cast(null as varchar) as campaign_name,
        source,
        client_group,
        created_date
    from clients
    union all
    select
        'opportunity_owner',
        opportunity_id,
        client_key,
        full_name,
        owner_staff_id,
        campaign_id,
        campaign_name,
        source,
        client_group,
        created_date
    from opportunities
)

select
    cast(population.owner_mode as varchar) as owner_mode,
    cast(population.population_unit_id as varchar) as population_unit_id,
    cast(population.client_key as varchar) as client_key,
    cast(population.full_name as varchar) as full_name,
    cast(population.owner_staff_id as varchar) as owner_staff_id,
    cast(coalesce(population.owner_staff_id, 'unassigned') as varchar) as owner,
    cast(coalesce(staff.full_name, population.owner_staff_id, 'unassigned') as varchar)
        as owner_name,
    cast(population.campaign_id as varchar) as campaign_id,
    cast(population.campaign_name as varchar) as campaign_name,
    cast(population.source as varchar) as source,
    cast(population.client_group as varchar) as client_group,
    cast(population.created_date as date) as created_date,
    cast({{ as_of_date() }} as date) as as_of
from population
left join staff on staff.staff_id = population.owner_staff_id
