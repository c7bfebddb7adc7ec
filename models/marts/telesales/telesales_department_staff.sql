{#-
  Department filter of the telesales report: one row per (department, staff
  member) where the staff member belongs to that department or to one of its
  sub-departments at any depth (REPORTS.md 3, "a department (with its
  sub-departments)"). depth = 0 for the department itself, 1 for a child...
  The walk stops at 100 levels so a cyclic tree stays finite; the shortest
  path wins. Deleted staff are kept (their clients keep them as owner).
-#}
with recursive tree as (
    select
        department_id as root_department_id,
        department_id,
        0 as depth
    from {{ ref('stg_crm__departments') }}

    union all

    select
        tree.root_department_id,
        child.department_id,
        tree.depth + 1
    from tree
    inner join {{ ref('stg_crm__departments') }} as child
        on child.parent_department_id = tree.department_id
    where tree.depth < 100
      and child.department_id <> tree.root_department_id
),

shortest as (
    select root_department_id, department_id, min(depth) as depth
    from tree
    group by root_department_id, department_id
)

select
    cast(shortest.root_department_id as varchar) as department_id,
    cast(staff.staff_id as varchar) as staff_id,
    cast(staff.department_id as varchar) as staff_department_id,
    cast(shortest.depth as integer) as depth
from shortest
inner join {{ ref('dim_staff') }} as staff on staff.department_id = shortest.department_id
