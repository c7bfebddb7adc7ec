{#-
  Telesales report: outbound calls matched to one client (fct_calls,
  match_status = matched; ambiguous and unknown numbers are attributed to no
  client and never count), per client, calling staff member (owner of the
  extension) and local call date. The report keeps only the rows whose
  staff_id is the population row's owner: a call from another staff member's
  extension does not make the client "called". Inbound calls never count.
-#}
{{ config(materialized='incremental', unique_key=['client_key', 'staff_id', 'call_date']) }}

select
    cast(client_key as varchar) as client_key,
    cast(staff_id as varchar) as staff_id,
    cast(call_date as date) as call_date,
    cast(count(*) as integer) as calls,
    cast(sum(case when is_successful then 1 else 0 end) as integer) as successful_calls,
    cast(sum(talk_seconds) as bigint) as talk_seconds
from {{ ref('fct_calls') }}
where direction = 'outbound'
  and match_status = 'matched'
  and client_key is not null
  and staff_id is not null
group by client_key, staff_id, call_date
