{#-
  One row per PBX call, matched to staff (extension) and to a unified client
  (other party's normalised number); rules in int_calls_matched. client_key
  is null unless match_status = 'matched'.
-#}
{{ config(materialized='incremental', unique_key='call_id') }}

select
    cast(call_id as bigint) as call_id,
    cast(started_at as timestamp) as started_at,
    cast(call_date as date) as call_date,
    cast(direction as varchar) as direction,
    cast(extension as varchar) as extension,
    cast(staff_id as varchar) as staff_id,
    cast(client_key as varchar) as client_key,
    cast(crm_client_id as varchar) as crm_client_id,
    cast(from_number as varchar) as from_number,
    cast(to_number as varchar) as to_number,
    cast(other_party_number as varchar) as other_party_number,
    cast(match_status as varchar) as match_status,
    cast(match_reason as varchar) as match_reason,
    cast(disposition as varchar) as disposition,
    cast(is_successful as boolean) as is_successful,
    cast(talk_seconds as bigint) as talk_seconds
from {{ ref('int_calls_matched') }}
