-- Customer history, financial section: every title of the client as of
-- as_of, optionally only some statuses ($statuses: list, or null for all).
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
    paid_amount as paid,
    balance,
    status,
    days_late,
    negotiation_id
from marts.fct_receivables
where client_key = $client_key
  and ($statuses is null or list_contains($statuses, status))
order by due_on, document_number, installment_number, receivable_id
