-- The installments issued by one agreement, with due dates and status as of as_of.
select
    receivable_id,
    document_number,
    installment_number,
    installments_total,
    due_on,
    amount,
    paid,
    balance,
    status,
    days_late
from bi.customer_history_titles
where negotiation_id = $negotiation_id
order by installment_number, due_on, receivable_id
