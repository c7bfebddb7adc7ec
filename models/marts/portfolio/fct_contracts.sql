{#-
  One row per erp contract (of a furniture project) with its project, client
  and purchase orders up to as_of. Cancelled purchase orders count nowhere;
  is_cancelled marks a cancelled contract (stage cancelled), whose
  environments are no longer under contract.
-#}
{{ config(tags=['as_of']) }}

with purchase_orders as (
    select
        contract_id,
        count(*) as purchase_orders_count,
        sum(amount) as purchase_orders_amount,
        max(ordered_on) as last_purchase_order_on
    from {{ ref('fct_purchase_orders') }}
    where not is_cancelled and ordered_on <= {{ as_of_date() }}
    group by contract_id
)

select
    cast(contracts.contract_id as bigint) as contract_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(contracts.project_id as bigint) as project_id,
    cast(contracts.contract_number as varchar) as contract_number,
    cast(projects.company_id as bigint) as company_id,
    cast(projects.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(contracts.signed_on as date) as signed_on,
    cast(contracts.amount as decimal(18, 2)) as amount,
    cast(contracts.environments_count as integer) as environments_count,
    cast(contracts.stage as varchar) as stage,
    cast(contracts.stage = 'cancelled' as boolean) as is_cancelled,
    cast(coalesce(purchase_orders.purchase_orders_count, 0) as integer) as purchase_orders_count,
    cast(coalesce(purchase_orders.purchase_orders_amount, 0) as decimal(18, 2))
        as purchase_orders_amount,
    cast(purchase_orders.last_purchase_order_on as date) as last_purchase_order_on
from {{ ref('stg_erp__contracts') }} as contracts
left join {{ ref('stg_erp__projects') }} as projects on projects.project_id = contracts.project_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = projects.customer_code
left join purchase_orders on purchase_orders.contract_id = contracts.contract_id
