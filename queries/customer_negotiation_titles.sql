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
    titles.paid_amount as paid,
    titles.balance,
    titles.status,
    titles.days_late
from marts.fct_receivables as titles
inner join marts.fct_negotiations as negotiations
    on negotiations.negotiation_id = titles.negotiation_id
where negotiations.client_key = $client_key
order by titles.negotiation_id, titles.installment_number, titles.receivable_id
