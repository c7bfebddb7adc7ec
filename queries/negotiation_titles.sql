-- The installments issued by one agreement, with due dates and status as of as_of.
select
    receivable_id,
    document_number,
    installment_number,
    installments_total,
    due_on,
    amount,
    paid_amount as paid,
    balance,
    status,
    days_late
from marts.fct_receivables
where negotiation_id = $negotiation_id
order by installment_number, due_on, receivable_id
