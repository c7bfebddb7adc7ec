{#-
  One row per erp furniture project with its client, responsible (crm staff
  by e-mail) and contracts.

  environments_without_contract = project environments minus the
  environments under its non-cancelled contracts (a cancelled contract gives
  its environments back). This is the one place that rule lives;
  portfolio_projects reuses it.
-#}
{{ config(tags=['as_of']) }}

with contracts as (
    select
        project_id,
        count(*) as contracts_count,
        sum(case when not is_cancelled then 1 else 0 end) as active_contracts_count,
        sum(case when not is_cancelled then environments_count else 0 end) as contracted_environments
    from {{ ref('fct_contracts') }}
    group by project_id
)

select
    cast(projects.project_id as bigint) as project_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(projects.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(projects.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(projects.responsible_email as varchar) as responsible_email,
    cast(responsible.staff_id as varchar) as responsible_staff_id,
    cast(staff.full_name as varchar) as responsible_name,
    cast(projects.specifier_name as varchar) as specifier_name,
    cast(projects.created_at as timestamp) as created_at,
    cast(projects.created_at as date) as created_date,
    cast(projects.environments_count as integer) as environments_count,
    cast(projects.probable_sale_amount as decimal(18, 2)) as probable_sale_amount,
    cast(projects.expected_close_on as date) as expected_close_on,
    cast(projects.closing_status as varchar) as closing_status,
    cast(coalesce(contracts.contracts_count, 0) as integer) as contracts_count,
    cast(coalesce(contracts.active_contracts_count, 0) as integer) as active_contracts_count,
    cast(coalesce(contracts.contracted_environments, 0) as integer) as contracted_environments,
    cast(projects.environments_count - coalesce(contracts.contracted_environments, 0) as integer)
        as environments_without_contract
from {{ ref('stg_erp__projects') }} as projects
left join contracts on contracts.project_id = projects.project_id
left join {{ ref('stg_erp__companies') }} as companies on companies.company_id = projects.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = projects.customer_code
left join {{ ref('int_staff_by_email') }} as responsible
    on responsible.email = projects.responsible_email
left join {{ ref('stg_crm__staff') }} as staff on staff.staff_id = responsible.staff_id
