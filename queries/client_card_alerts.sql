-- Client card, alerts raised as of as_of, with the figures behind each one
-- (bi.client_card_alerts).
select
    rule,
    severity,
    raised_on,
    message,
    figures,
    subject
from bi.client_card_alerts
where client_key = $client_key
order by case severity when 'critical' then 1 when 'warning' then 2 else 3 end, raised_on, rule, subject
