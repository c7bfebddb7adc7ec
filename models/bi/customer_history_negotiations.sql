{#-
  Customer history, negotiations (docs/contract/reports.md 4): one row per renegotiation
  agreement; its titles are the rows of bi.customer_history_titles with this
  negotiation_id.
-#}
select
    cast(negotiation_id as bigint) as negotiation_id,
    cast(client_key as varchar) as client_key,
    cast(company_name as varchar) as company_name,
    cast(document_number as varchar) as document_number,
    cast(agreed_on as date) as agreed_on,
    cast(original_debt as decimal(18, 2)) as original_debt,
    cast(agreed_amount as decimal(18, 2)) as agreed_amount,
    cast(installments_count as integer) as installments_count,
    cast(status as varchar) as status,
    cast(title_count as integer) as title_count,
    cast(titles_paid as decimal(18, 2)) as titles_paid,
    cast(titles_receivable as decimal(18, 2)) as titles_receivable,
    cast(as_of as date) as as_of
from {{ ref('fct_negotiations') }}
