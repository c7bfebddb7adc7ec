-- One client's identity and financial situation as of the warehouse's as_of
-- (customer history header, client card "financial situation"):
-- bi.client_card_financial. overdue_amount: balance of the owed titles already
-- past due (overdue, credit bureau, collection); total_receivable: every owed
-- title.
select
    client_key,
    full_name,
    document_number,
    crm_client_id,
    studio_member_id,
    erp_customer_code,
    email,
    phone,
    city,
    client_group,
    owner_staff_id,
    as_of,
    total_receivable,
    overdue_amount,
    owed_titles,
    credit_bureau_amount,
    in_collection_amount,
    on_time_payment_rate,
    avg_days_late,
    max_days_late,
    last_payment_on
from bi.client_card_financial
where client_key = $client_key
