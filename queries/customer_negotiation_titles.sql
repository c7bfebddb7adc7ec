-- Customer history, negotiations: the titles issued by the client's
-- agreements, with their status as of as_of.
select
    titles.negotiation_id,
    titles.receivable_id,
    titles.document_number,
    titles.installment_number,
    titles.installments_total,
    titles.due_on,
    titles.amount,
    titles.paid,
    titles.balance,
    titles.status,
    titles.days_late
from bi.customer_history_titles as titles
inner join bi.customer_history_negotiations as negotiations
    on negotiations.negotiation_id = titles.negotiation_id
where negotiations.client_key = $client_key
order by titles.negotiation_id, titles.installment_number, titles.receivable_id
