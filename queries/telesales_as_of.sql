-- The date the telesales report describes: the warehouse's as_of, stored in the bi relation
-- (never the wall clock). Appointments and orders count "up to as_of".
select max(as_of) as as_of
from bi.telesales_population
