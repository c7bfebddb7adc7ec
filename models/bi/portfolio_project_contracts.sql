{#-
  Customer portfolio (docs/contract/reports.md 6): one row per project and contract
  (a project without contract: one row, stage null), with the saved views'
  columns. Project columns (environments, probable_sale,
  environments_without_contract) repeat on every contract row of a project;
  the project_* measures carry them on the project's first row only (0 on the
  others), so sums over any filter count each project once.
-#}
with portfolio as (
    select
        *,
        row_number() over (
            partition by project_id
            order by contract_signed_on nulls first, contract_id
        ) = 1 as is_first_project_row
    from {{ ref('portfolio_projects') }}
)

select
    cast(portfolio_row_id as varchar) as portfolio_row_id,
    cast(project_id as bigint) as project_id,
    cast(contract_id as bigint) as contract_id,
    cast(customer_name as varchar) as customer,
    cast(client_key as varchar) as client_key,
    cast(customer_code as varchar) as customer_code,
    cast(coalesce(responsible_name, responsible_email) as varchar) as responsible,
    cast(responsible_staff_id as varchar) as responsible_staff_id,
    cast(responsible_email as varchar) as responsible_email,
    cast(created_date as date) as created_date,
    cast(closing_status as varchar) as closing_status,
    cast(environments_count as integer) as environments,
    cast(probable_sale_amount as decimal(18, 2)) as probable_sale,
    cast(expected_close_on as date) as expected_closing,
    cast(contract_number as varchar) as contract_number,
    cast(contract_signed_on as date) as signed_date,
    cast(specifier_name as varchar) as specifier,
    cast(environments_without_contract as integer) as environments_without_contract,
    cast(contract_stage as varchar) as stage,
    cast(contract_stage_key as varchar) as stage_key,
    cast(last_contact_at as timestamp) as last_contact,
    cast(last_contact_source as varchar) as last_contact_source,
    cast(purchase_orders_count as integer) as purchase_orders,
    cast(last_purchase_order_on as date) as last_purchase_order,
    cast(case when is_first_project_row then 1 else 0 end as integer) as project_count,
    cast(case when is_first_project_row then environments_count else 0 end as integer)
        as project_environments,
    cast(case when is_first_project_row then probable_sale_amount else 0 end as decimal(18, 2))
        as project_probable_sale,
    cast(case when is_first_project_row then environments_without_contract else 0 end as integer)
        as project_environments_without_contract,
    cast(as_of as date) as as_of
from portfolio
