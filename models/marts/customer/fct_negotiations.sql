{#-
  One row per erp renegotiation agreement, with the client and the titles the
  agreement issued (receivables whose negotiation_id points to it), as of
  var('as_of'). Title figures come from fct_receivables (status rule in
  int_receivables_status); cancelled agreement titles are counted apart.
-#}
{{ config(tags=['as_of']) }}

with negotiations as (
    select * from {{ ref('stg_erp__negotiations') }}
),

titles as (
    select
        negotiation_id,
        count(*) as title_count,
        sum(case when status <> 'cancelled' then amount else 0 end) as titles_amount,
        sum(case when status <> 'cancelled' then paid_amount else 0 end) as titles_paid,
        sum(case when is_owed then balance else 0 end) as titles_receivable,
        sum(case when status = 'received' then 1 else 0 end) as titles_received
    from {{ ref('fct_receivables') }}
    where negotiation_id is not null
    group by negotiation_id
)

select
    cast(negotiations.negotiation_id as bigint) as negotiation_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(negotiations.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(negotiations.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(negotiations.document_number as varchar) as document_number,
    cast(negotiations.agreed_on as date) as agreed_on,
    cast(negotiations.original_debt as decimal(18, 2)) as original_debt,
    cast(negotiations.agreed_amount as decimal(18, 2)) as agreed_amount,
    cast(negotiations.original_debt - negotiations.agreed_amount as decimal(18, 2)) as discount_amount,
    cast(negotiations.installments_count as integer) as installments_count,
    cast(negotiations.status as varchar) as status,
    cast(coalesce(titles.title_count, 0) as integer) as title_count,
    cast(coalesce(titles.titles_amount, 0) as decimal(18, 2)) as titles_amount,
    cast(coalesce(titles.titles_paid, 0) as decimal(18, 2)) as titles_paid,
    cast(coalesce(titles.titles_receivable, 0) as decimal(18, 2)) as titles_receivable,
    cast(coalesce(titles.titles_received, 0) as integer) as titles_received
from negotiations
left join titles on titles.negotiation_id = negotiations.negotiation_id
left join {{ ref('stg_erp__companies') }} as companies
    on companies.company_id = negotiations.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = negotiations.customer_code
