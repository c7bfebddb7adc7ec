{#-
  Customer history, negotiations (docs/contract/reports.md 4): one row per renegotiation
  agreement; its titles are the rows of bi.customer_history_titles with this
  negotiation_id.
-#}
select
    negotiation_id,
    client_key,
    company_name,
    document_number,
    agreed_on,
    original_debt,
    agreed_amount,
    installments_count,
    status,
    title_count,
    titles_paid,
    titles_receivable,
    as_of
from {{ ref('fct_negotiations') }}
