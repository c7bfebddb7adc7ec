-- Client card, installment history: every title with its on-time indicator
-- as of as_of (bi.customer_history_titles). on_time: true = paid in full on or
-- before the due date; false = paid late, or past due and still unpaid; null =
-- not due yet, or cancelled / renegotiated (no longer the client's debt).
select
    receivable_id,
    document_number,
    installment_number,
    installments_total,
    due_on,
    amount,
    paid,
    paid_off_on,
    balance,
    status,
    days_late,
    on_time
from bi.customer_history_titles
where client_key = $client_key
order by due_on, document_number, installment_number, receivable_id
