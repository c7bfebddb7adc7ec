{#-
  Department filter of the telesales dashboard: one row per (department,
  staff member of it or of any of its sub-departments, at any depth), with the
  department's name to pick it by (the rule of the report's --department,
  marts.telesales_department_staff). It holds the org tree only (staff ids and
  department names, the staff directory), no client row. A department's name
  is its staff's department_name in dim_staff; one with no staff of its own
  shows its id.
-#}
with members as (
    select * from {{ ref('telesales_department_staff') }}
),

names as (
    select department_id, max(department_name) as department_name
    from {{ ref('dim_staff') }}
    where department_id is not null
    group by department_id
)

select
    members.department_id,
    coalesce(names.department_name, members.department_id) as department_name,
    members.staff_id,
    members.depth
from members
left join names on names.department_id = members.department_id
