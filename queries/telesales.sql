-- Telesales report (per owner), docs/contract/reports.md section 3.
--
-- Reads the bi relations a BI tool reads (bi.telesales_population and
-- bi.telesales_owner_client_day) plus marts.telesales_department_staff, marts.dim_staff and
-- marts.staff_visibility for the owner filters. One row per owner with a population in
-- scope, a row `unassigned` (owner_staff_id null) for the population without owner, and one
-- total row (is_total = true) that is the summary: the sum of the rows (zeros when no row
-- is in scope).
--
-- Population (bi.telesales_population, owner_mode = $mode): mode client_owner = crm clients
-- (owner = clients.owner_staff_id); mode opportunity_owner = opportunities, optionally of
-- one campaign (owner = opportunities.owner_staff_id). "clients" counts the population rows
-- (opportunities in opportunity mode).
--   called_clients   rows whose client got at least one matched outbound call in the call
--                    period from the OWNER's extension
--   calls, successful_calls, talk_minutes   of those calls
--   appointments / orders / collected / debt   from the start of the call period up to
--                    as_of (bi.telesales_owner_client_day holds nothing after as_of)
-- Calls, appointments and orders are per (owner, client): a client under two opportunities
-- of the same owner is counted once in those sums, and once per opportunity in the
-- client counts.
--
-- Parameters (null = no filter):
--   $mode                        'client_owner' or 'opportunity_owner'
--   $owners                      list of owner staff ids
--   $department                  department id: its staff and that of its sub-departments
--   $campaign                    campaign id (opportunity mode)
--   $sources, $client_groups     lists of client sources / client groups
--   $created_from, $created_to   creation period (client or opportunity created_at), inclusive
--   $calls_from, $calls_to       call period, inclusive (required)
--   $viewer                      staff id: only the owners that viewer may see
--                                (marts.staff_visibility); `unassigned` only for a viewer
--                                who sees everyone (active, can_view_all); a viewer
--                                not in marts.dim_staff raises an error
-- The unassigned row is shown only when no owner and no department is asked for.
with population as (
    select population_unit_id as unit_id, client_key, owner_staff_id
    from bi.telesales_population
    where owner_mode = $mode
      and ($campaign is null or campaign_id = $campaign)
      and ($sources is null or list_contains($sources, source))
      and ($client_groups is null or list_contains($client_groups, client_group))
      and ($created_from is null or created_date >= $created_from)
      and ($created_to is null or created_date <= $created_to)
),

scoped as (
    select population.*
    from population
    where ($owners is null or list_contains($owners, owner_staff_id))
      and ($department is null or owner_staff_id in (
          select staff_id from marts.telesales_department_staff
          where department_id = $department))
      and ($viewer is null
           or owner_staff_id in (
               select visible_staff_id from marts.staff_visibility
               where viewer_staff_id = $viewer)
           or (owner_staff_id is null and exists (
               select 1 from marts.dim_staff
               where staff_id = $viewer and can_view_all and active and not is_deleted)))
),

pairs as (
    select distinct owner_staff_id, client_key
    from scoped
),

pair_days as (
    select
        pairs.owner_staff_id,
        pairs.client_key,
        sum(days.calls) filter (where days.activity_date <= $calls_to) as calls,
        sum(days.successful_calls) filter (where days.activity_date <= $calls_to)
            as successful_calls,
        sum(days.talk_seconds) filter (where days.activity_date <= $calls_to) as talk_seconds,
        sum(days.appointments) as appointments,
        sum(days.appointments_done) as appointments_done,
        sum(days.orders) as orders,
        sum(days.order_value) as order_value,
        sum(days.collected) as collected,
        sum(days.debt) as debt
    from pairs
    inner join bi.telesales_owner_client_day as days
        on days.owner_mode = $mode
        and days.owner_staff_id is not distinct from pairs.owner_staff_id
        and days.client_key = pairs.client_key
    where days.activity_date >= $calls_from
    group by pairs.owner_staff_id, pairs.client_key
),

pair_metrics as (
    select
        pairs.owner_staff_id,
        pairs.client_key,
        coalesce(pair_days.calls, 0) as calls,
        coalesce(pair_days.successful_calls, 0) as successful_calls,
        coalesce(pair_days.talk_seconds, 0) as talk_seconds,
        coalesce(pair_days.appointments, 0) as appointments,
        coalesce(pair_days.appointments_done, 0) as appointments_done,
        coalesce(pair_days.orders, 0) as orders,
        coalesce(pair_days.order_value, 0) as order_value,
        coalesce(pair_days.collected, 0) as collected,
        coalesce(pair_days.debt, 0) as debt
    from pairs
    left join pair_days
        on pair_days.owner_staff_id is not distinct from pairs.owner_staff_id
        and pair_days.client_key = pairs.client_key
),

owner_counts as (
    select
        scoped.owner_staff_id,
        count(*) as clients,
        count(*) filter (where pair_metrics.calls > 0) as called_clients,
        count(*) filter (where pair_metrics.appointments > 0) as clients_with_appointment,
        count(*) filter (where pair_metrics.orders = 0) as clients_without_orders
    from scoped
    inner join pair_metrics
        on pair_metrics.owner_staff_id is not distinct from scoped.owner_staff_id
        and pair_metrics.client_key = scoped.client_key
    group by scoped.owner_staff_id
),

owner_sums as (
    select
        owner_staff_id,
        sum(calls) as calls,
        sum(successful_calls) as successful_calls,
        cast(round(sum(talk_seconds) / 60, 2) as decimal(18, 2)) as talk_minutes,
        sum(appointments) as appointments,
        sum(appointments_done) as appointments_done,
        sum(orders) as orders,
        sum(order_value) as order_value,
        sum(collected) as collected,
        sum(debt) as debt
    from pair_metrics
    group by owner_staff_id
),

owners as (
    select
        owner_counts.*,
        owner_sums.* exclude (owner_staff_id),
        coalesce(staff.full_name, owner_counts.owner_staff_id, 'unassigned') as owner_name
    from owner_counts
    inner join owner_sums
        on owner_sums.owner_staff_id is not distinct from owner_counts.owner_staff_id
    left join marts.dim_staff as staff on staff.staff_id = owner_counts.owner_staff_id
)

select
    grouping(owner_staff_id) = 1 as is_total,
    case when grouping(owner_staff_id) = 0 then coalesce(owner_staff_id, 'unassigned') end
        as owner,
    owner_staff_id,
    case when grouping(owner_staff_id) = 0 then any_value(owner_name) end as owner_name,
    cast(coalesce(sum(clients), 0) as bigint) as clients,
    cast(coalesce(sum(called_clients), 0) as bigint) as called_clients,
    cast(coalesce(sum(clients) - sum(called_clients), 0) as bigint) as not_called,
    cast(coalesce(sum(calls), 0) as bigint) as calls,
    cast(coalesce(sum(successful_calls), 0) as bigint) as successful_calls,
    cast(coalesce(sum(talk_minutes), 0) as decimal(18, 2)) as talk_minutes,
    cast(coalesce(sum(clients_with_appointment), 0) as bigint) as clients_with_appointment,
    cast(coalesce(sum(appointments), 0) as bigint) as appointments,
    cast(coalesce(sum(appointments_done), 0) as bigint) as appointments_done,
    cast(coalesce(sum(clients) - sum(clients_with_appointment), 0) as bigint)
        as clients_without_appointment,
    cast(coalesce(sum(orders), 0) as bigint) as orders,
    cast(coalesce(sum(order_value), 0) as decimal(18, 2)) as order_value,
    cast(coalesce(sum(collected), 0) as decimal(18, 2)) as collected,
    cast(coalesce(sum(debt), 0) as decimal(18, 2)) as debt,
    cast(coalesce(sum(clients_without_orders), 0) as bigint) as clients_without_orders
from owners
group by grouping sets ((owner_staff_id), ())
-- A viewer that is not a staff member is an error, never a row of zeros.
having (
    select case
        when $viewer is not null
            and not exists (
                select 1 from marts.dim_staff
                where staff_id = $viewer
            )
        then error('unknown viewer ' || $viewer || ': no such staff_id in marts.dim_staff')
    end
) is null
order by is_total desc, owner_staff_id is null asc, owner_name asc, owner_staff_id asc
