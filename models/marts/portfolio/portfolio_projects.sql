{#-
  Customer portfolio (report 6): one row per project and contract (a project
  with several contracts has one row per contract; a project without any has
  one row with the contract columns null and contract_stage_key 'none').

  Project figures (environments_without_contract...) come from fct_projects,
  contract figures (purchase orders up to as_of) from fct_contracts, last
  contact with the client from client_last_contact (every system).
-#}
{{ config(tags=['as_of']) }}

with projects as (
    select * from {{ ref('fct_projects') }}
),

contracts as (
    select * from {{ ref('fct_contracts') }}
)

select
    cast(projects.project_id as varchar) || ':' || coalesce(cast(contracts.contract_id as varchar), 'none')
        as portfolio_row_id,
    cast(projects.project_id as bigint) as project_id,
    cast(contracts.contract_id as bigint) as contract_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(projects.company_id as bigint) as company_id,
    cast(projects.company_name as varchar) as company_name,
    cast(projects.customer_code as varchar) as customer_code,
    cast(projects.client_key as varchar) as client_key,
    cast(clients.full_name as varchar) as customer_name,
    cast(projects.responsible_email as varchar) as responsible_email,
    cast(projects.responsible_staff_id as varchar) as responsible_staff_id,
    cast(projects.responsible_name as varchar) as responsible_name,
    cast(projects.created_at as timestamp) as created_at,
    cast(projects.created_date as date) as created_date,
    cast(projects.closing_status as varchar) as closing_status,
    cast(projects.environments_count as integer) as environments_count,
    cast(projects.probable_sale_amount as decimal(18, 2)) as probable_sale_amount,
    cast(projects.expected_close_on as date) as expected_close_on,
    cast(projects.specifier_name as varchar) as specifier_name,
    cast(projects.contracts_count as integer) as contracts_count,
    cast(projects.environments_without_contract as integer) as environments_without_contract,
    cast(contracts.contract_number as varchar) as contract_number,
    cast(contracts.signed_on as date) as contract_signed_on,
    cast(contracts.amount as decimal(18, 2)) as contract_amount,
    cast(contracts.environments_count as integer) as contract_environments,
    cast(contracts.stage as varchar) as contract_stage,
    cast(coalesce(contracts.stage, 'none') as varchar) as contract_stage_key,
    cast(last_contact.last_contact_at as timestamp) as last_contact_at,
    cast(last_contact.last_contact_date as date) as last_contact_date,
    cast(last_contact.last_contact_source as varchar) as last_contact_source,
    cast(coalesce(contracts.purchase_orders_count, 0) as integer) as purchase_orders_count,
    cast(contracts.last_purchase_order_on as date) as last_purchase_order_on
from projects
left join contracts on contracts.project_id = projects.project_id
left join {{ ref('dim_client') }} as clients on clients.client_key = projects.client_key
left join {{ ref('client_last_contact') }} as last_contact
    on last_contact.client_key = projects.client_key
