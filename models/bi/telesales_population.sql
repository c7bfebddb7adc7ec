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
    population.owner_mode,
    population.population_unit_id,
    population.client_key,
    population.full_name,
    population.owner_staff_id,
    coalesce(population.owner_staff_id, 'unassigned') as owner,
    coalesce(staff.full_name, population.owner_staff_id, 'unassigned') as owner_name,
    population.campaign_id,
    population.campaign_name,
    population.source,
    population.client_group,
    population.created_date,
    {{ as_of_date() }} as as_of
from population
left join staff on staff.staff_id = population.owner_staff_id
