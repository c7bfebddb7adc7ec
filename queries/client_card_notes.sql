-- Client card, notes: warnings first, then contacts and references, newest first.
select
    kind,
    created_at,
    body,
    created_by_name
from bi.client_card_notes
where client_key = $client_key
order by case kind when 'warning' then 1 when 'contact' then 2 else 3 end, created_at desc, note_id
