{#-
  Department filter of the telesales report: one row per (department, staff
  member) where the staff member belongs to that department or to one of its
  sub-departments at any depth (docs/contract/reports.md 3, "a department (with its
  sub-departments)"). The tree walk is int_department_tree's, the one place
  that rule lives. depth = 0 for the department itself, 1 for a child...
  Deleted staff are kept (their clients keep them as owner).
-#}
with tree as (
    select * from {{ ref('int_department_tree') }}
),

staff as (
    select * from {{ ref('dim_staff') }}
)

select
    cast(tree.ancestor_department_id as varchar) as department_id,
    cast(staff.staff_id as varchar) as staff_id,
    cast(staff.department_id as varchar) as staff_department_id,
    cast(tree.depth as integer) as depth
from tree
inner join staff on staff.department_id = tree.department_id
