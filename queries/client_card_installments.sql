-- Client card, installment history: every title with its on-time indicator
-- as of as_of. on_time: true = paid in full on or before the due date;
-- false = paid late, or past due and still unpaid; null = not due yet, or
-- cancelled / renegotiated (no longer the client's debt).
select
    receivable_id,
    document_number,
    installment_number,
    installments_total,
    due_on,
    amount,
    paid_amount as paid,
    paid_off_on,
    balance,
    status,
    days_late,
    case
        when status in ('cancelled', 'renegotiated') then null
        when paid_on_time then true
        when balance <= 0 or due_on < as_of then false
    end as on_time
from marts.fct_receivables
where client_key = $client_key
order by due_on, document_number, installment_number, receivable_id
