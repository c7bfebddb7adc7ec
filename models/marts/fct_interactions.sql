{#- One row per crm interaction (contact with a client through any channel). -#}
{{ config(materialized='incremental', unique_key='interaction_id') }}

select
    cast(interactions.interaction_id as varchar) as interaction_id,
    cast(interactions.client_id as varchar) as crm_client_id,
    cast(identity.client_key as varchar) as client_key,
    cast(interactions.staff_id as varchar) as staff_id,
    cast(interactions.channel as varchar) as channel,
    cast(interactions.direction as varchar) as direction,
    cast(interactions.occurred_at as timestamp) as occurred_at,
    cast(interactions.occurred_at as date) as occurred_date,
    cast(interactions.subject as varchar) as subject
from {{ ref('stg_crm__interactions') }} as interactions
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'crm' and identity.source_id = interactions.client_id
