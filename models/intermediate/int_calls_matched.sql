{#-
  PBX calls matched to crm staff (by extension) and to a unified client (by
  the other party's normalised number among crm.clients.phones).

  Other party = to_number for outbound calls, from_number for inbound ones.
  match_status / match_reason:
    matched   / single_client     exactly one client has the number
    ambiguous / multiple_clients  more than one client has it: attributed to
                                  none (counted as unmatched)
    unmatched / no_area_code      the number normalises to nothing
    unmatched / unknown_number    no client has the number
  A call is successful when disposition = ANSWERED and talk_seconds > 0.
-#}
{{ config(materialized='view') }}

with calls as (
    select
        call_id,
        started_at,
        extension,
        direction,
        from_number,
        to_number,
        disposition,
        talk_seconds,
        case when direction = 'outbound' then to_number else from_number end as other_party_raw
    from {{ ref('stg_pbx__calls') }}
),

normalised as (
    select
        calls.*,
        {{ normalize_phone('other_party_raw') }} as other_party_number
    from calls
),

candidates as (
    select
        phone_number,
        count(distinct client_key) as client_count,
        min(client_key) as client_key,
        min(client_id) as crm_client_id
    from {{ ref('int_client_phones') }}
    group by phone_number
)

select
    normalised.call_id,
    normalised.started_at,
    cast(normalised.started_at as date) as call_date,
    normalised.direction,
    normalised.extension,
    staff.staff_id,
    normalised.from_number,
    normalised.to_number,
    normalised.other_party_raw,
    normalised.other_party_number,
    normalised.disposition,
    normalised.talk_seconds,
    (normalised.disposition = 'ANSWERED' and normalised.talk_seconds > 0) as is_successful,
    case when candidates.client_count = 1 then candidates.client_key end as client_key,
    case when candidates.client_count = 1 then candidates.crm_client_id end as crm_client_id,
    case
        when candidates.client_count = 1 then 'matched'
        when candidates.client_count > 1 then 'ambiguous'
        else 'unmatched'
    end as match_status,
    case
        when normalised.other_party_number is null then 'no_area_code'
        when candidates.client_count = 1 then 'single_client'
        when candidates.client_count > 1 then 'multiple_clients'
        else 'unknown_number'
    end as match_reason
from normalised
left join candidates
    on candidates.phone_number = normalised.other_party_number
left join {{ ref('int_staff_by_extension') }} as staff
    on staff.extension = normalised.extension
