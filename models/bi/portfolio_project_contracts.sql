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
    portfolio_row_id,
    project_id,
    contract_id,
    customer_name as customer,
    client_key,
    customer_code,
    coalesce(responsible_name, responsible_email) as responsible,
    responsible_staff_id,
    responsible_email,
    created_date,
    closing_status,
    environments_count as environments,
    probable_sale_amount as probable_sale,
    expected_close_on as expected_closing,
    contract_number,
    contract_signed_on as signed_date,
    specifier_name as specifier,
    environments_without_contract,
    contract_stage as stage,
    contract_stage_key as stage_key,
    last_contact_at as last_contact,
    last_contact_source,
    purchase_orders_count as purchase_orders,
    last_purchase_order_on as last_purchase_order,
    case when is_first_project_row then 1 else 0 end as project_count,
    case when is_first_project_row then environments_count else 0 end as project_environments,
    case when is_first_project_row then probable_sale_amount else 0 end as project_probable_sale,
    case when is_first_project_row then environments_without_contract else 0 end
        as project_environments_without_contract,
    as_of
from portfolio
