-- The date the warehouse describes (as_of of the last refresh): relative
-- periods of saved views ("this_month") resolve against it.
select max(date_day) as as_of
from marts.dim_date
where is_on_or_before_as_of
