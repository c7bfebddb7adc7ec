{#-
  Normalised phone numbers of CRM clients: one row per (non-deleted client,
  normalised phone). Numbers that normalise to nothing (no area code) are
  dropped. Calls are matched against this list (int_calls_matched).
-#}
with clients as (
    select client_id, phones
    from {{ ref('stg_crm__clients') }}
    where not is_deleted
),

phones as (
    select
        client_id,
        unnest(phones) as phone_raw
    from clients
),

normalised as (
    select
        client_id,
        {{ normalize_phone('phone_raw') }} as phone_number
    from phones
),

identity as (
    select source_id as client_id, client_key
    from {{ ref('int_client_identity') }}
    where source_system = 'crm'
)

select distinct
    normalised.client_id,
    identity.client_key,
    normalised.phone_number
from normalised
inner join identity on identity.client_id = normalised.client_id
where normalised.phone_number is not null
