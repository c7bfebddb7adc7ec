-- Customer history, financial section: every title of the client as of
-- as_of (bi.customer_history_titles), optionally only some statuses
-- ($statuses: list, or null for all).
select
    receivable_id,
    company_name,
    order_code,
    document_number,
    installment_number,
    installments_total,
    issued_on,
    due_on,
    amount,
    paid,
    balance,
    status,
    days_late,
    negotiation_id
from bi.customer_history_titles
where client_key = $client_key
  and ($statuses is null or list_contains($statuses, status))
order by due_on, document_number, installment_number, receivable_id
