{#-
  One row per erp purchase order (to a supplier, under a contract), with its
  contract, project and client. is_cancelled: status cancelled (such an order
  counts nowhere).
-#}
select
    cast(purchase_orders.purchase_order_id as bigint) as purchase_order_id,
    cast(purchase_orders.contract_id as bigint) as contract_id,
    cast(contracts.contract_number as varchar) as contract_number,
    cast(contracts.project_id as bigint) as project_id,
    cast(projects.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(purchase_orders.supplier_name as varchar) as supplier_name,
    cast(purchase_orders.ordered_on as date) as ordered_on,
    cast(purchase_orders.amount as decimal(18, 2)) as amount,
    cast(purchase_orders.status as varchar) as status,
    cast(purchase_orders.status = 'cancelled' as boolean) as is_cancelled
from {{ ref('stg_erp__purchase_orders') }} as purchase_orders
left join {{ ref('stg_erp__contracts') }} as contracts
    on contracts.contract_id = purchase_orders.contract_id
left join {{ ref('stg_erp__projects') }} as projects on projects.project_id = contracts.project_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = projects.customer_code
