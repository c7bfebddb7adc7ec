-- One renegotiation agreement with its parties (negotiation document).
select
    negotiations.negotiation_id,
    negotiations.as_of,
    negotiations.company_id,
    negotiations.company_name,
    negotiations.customer_code,
    negotiations.client_key,
    clients.full_name as client_name,
    clients.document_number as client_document,
    clients.city as client_city,
    negotiations.document_number,
    negotiations.agreed_on,
    negotiations.original_debt,
    negotiations.agreed_amount,
    negotiations.discount_amount,
    negotiations.installments_count,
    negotiations.status,
    negotiations.titles_paid,
    negotiations.titles_receivable
from marts.fct_negotiations as negotiations
left join marts.dim_client as clients on clients.client_key = negotiations.client_key
where negotiations.negotiation_id = $negotiation_id
