-- The date the warehouse describes (the as_of of its last refresh), never the
-- wall clock: every report, relative period of a saved view and publication to
-- PostgreSQL reads it through carteira.reports.engine.warehouse_as_of.
select max(date_day) as as_of
from marts.dim_date
where is_on_or_before_as_of
