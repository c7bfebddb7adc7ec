-- Customer history, negotiations: the client's renegotiation agreements
-- (bi.customer_history_negotiations).
select
    negotiation_id,
    company_name,
    document_number,
    agreed_on,
    original_debt,
    agreed_amount,
    installments_count,
    status,
    title_count,
    titles_paid,
    titles_receivable
from bi.customer_history_negotiations
where client_key = $client_key
order by agreed_on, negotiation_id
