-- Client card, agenda and CRM: tasks, scheduled events and interactions of
-- the client, past and future (after the as_of day), in time order
-- (bi.client_card_agenda).
select
    kind,
    occurs_at as at,
    item_type as type,
    status,
    staff,
    subject,
    is_future
from bi.client_card_agenda
where client_key = $client_key
order by occurs_at, kind
