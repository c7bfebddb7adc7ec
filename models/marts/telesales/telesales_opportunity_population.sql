{#-
  Telesales report, mode opportunity_owner: the population of opportunities,
  one row per live crm opportunity of a live crm client, with its campaign,
  owner (null = the `unassigned` row), creation date (when the client entered
  the campaign) and the client's unified key, source and group (dim_client) so
  the report can filter by them.
-#}
{{ config(tags=['as_of']) }}

with opportunities as (
    select *
    from {{ ref('stg_crm__opportunities') }}
    where not is_deleted
),

identity as (
    select source_id as crm_client_id, client_key
    from {{ ref('int_client_identity') }}
    where source_system = 'crm'
      and not is_deleted
)

select
    cast(opportunities.opportunity_id as varchar) as opportunity_id,
    cast(identity.client_key as varchar) as client_key,
    cast(opportunities.client_id as varchar) as crm_client_id,
    cast(clients.full_name as varchar) as full_name,
    cast(opportunities.campaign_id as varchar) as campaign_id,
    cast(campaigns.name as varchar) as campaign_name,
    cast(opportunities.owner_staff_id as varchar) as owner_staff_id,
    cast(opportunities.stage as varchar) as stage,
    cast(opportunities.amount as decimal(18, 2)) as amount,
    cast(clients.source as varchar) as source,
    cast(clients.client_group as varchar) as client_group,
    cast(opportunities.created_at as timestamp) as created_at,
    cast(opportunities.created_at as date) as created_date,
    cast({{ as_of_date() }} as date) as as_of
from opportunities
inner join identity on identity.crm_client_id = opportunities.client_id
left join {{ ref('dim_client') }} as clients on clients.client_key = identity.client_key
left join {{ ref('stg_crm__campaigns') }} as campaigns
    on campaigns.campaign_id = opportunities.campaign_id
