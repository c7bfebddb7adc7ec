{#-
  Department tree closure: one row per (ancestor department, department at or
  below it), depth 0 for the department itself. Used for "a department with
  its sub-departments, at any depth" (staff visibility, per-department
  reports). UNION (not UNION ALL) keeps a cyclic tree finite.
-#}
with recursive tree as (
    select
        department_id as ancestor_department_id,
        department_id,
        0 as depth
    from {{ ref('stg_crm__departments') }}

    union

    select
        tree.ancestor_department_id,
        child.department_id,
        tree.depth + 1
    from tree
    inner join {{ ref('stg_crm__departments') }} as child
        on child.parent_department_id = tree.department_id
    where tree.depth < 100
)

select
    ancestor_department_id,
    department_id,
    min(depth) as depth
from tree
group by ancestor_department_id, department_id
