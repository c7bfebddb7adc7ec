-- One client's identity and financial situation as of the warehouse's as_of
-- (customer history header, client card "financial situation").
-- overdue_amount: balance of the owed titles already past due (overdue,
-- credit bureau, collection); total_receivable: every owed title.
with as_of as (
    select max(date_day) as as_of
    from marts.dim_date
    where is_on_or_before_as_of
)

select
    clients.client_key,
    clients.full_name,
    clients.document_number,
    clients.crm_client_id,
    clients.studio_member_id,
    clients.erp_customer_code,
    clients.email,
    clients.phone,
    clients.city,
    clients.client_group,
    clients.owner_staff_id,
    as_of.as_of,
    coalesce(status.total_receivable, 0) as total_receivable,
    coalesce(status.past_due_amount, 0) as overdue_amount,
    coalesce(status.open_count, 0) + coalesce(status.overdue_count, 0)
        + coalesce(status.credit_bureau_count, 0) + coalesce(status.in_collection_count, 0)
        as owed_titles,
    coalesce(status.credit_bureau_balance, 0) as credit_bureau_amount,
    coalesce(status.in_collection_balance, 0) as in_collection_amount,
    status.on_time_payment_rate,
    status.avg_days_late,
    status.max_days_late,
    status.last_payment_on
from marts.dim_client as clients
cross join as_of
left join marts.client_financial_status as status on status.client_key = clients.client_key
where clients.client_key = $client_key
