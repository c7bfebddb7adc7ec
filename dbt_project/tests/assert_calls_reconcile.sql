-- Every staged call is in fct_calls once; a call has a client_key exactly
-- when it is matched.
with counts as (
    select
        (select count(*) from {{ ref('stg_pbx__calls') }}) as staged,
        (select count(*) from {{ ref('fct_calls') }}) as facts
)

select 'count' as problem, cast(null as bigint) as call_id
from counts
where staged <> facts

union all

select 'client_key_vs_match_status', call_id
from {{ ref('fct_calls') }}
where (match_status = 'matched') <> (client_key is not null)
