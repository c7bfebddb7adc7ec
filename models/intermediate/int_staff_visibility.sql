{#-
  Staff visibility: one row per (viewer_staff_id, visible_staff_id) pair.
  An active, non-deleted viewer sees
    - themself;
    - when head of a department: every staff member of that department and of
      its sub-departments at any depth (int_department_tree);
    - when can_view_all: every staff member.
  An inactive or deleted viewer sees nothing. Visible staff are the
  non-deleted staff members (inactive ones included: they keep history).
-#}
with staff as (
    select staff_id, department_id, can_view_all, active, is_deleted
    from {{ ref('stg_crm__staff') }}
),

viewers as (
    select staff_id, can_view_all
    from staff
    where active and not is_deleted
),

visible as (
    select staff_id, department_id
    from staff
    where not is_deleted
),

pairs as (
    select viewers.staff_id as viewer_staff_id, viewers.staff_id as visible_staff_id
    from viewers

    union

    select departments.head_staff_id, visible.staff_id
    from {{ ref('stg_crm__departments') }} as departments
    inner join viewers on viewers.staff_id = departments.head_staff_id
    inner join {{ ref('int_department_tree') }} as tree
        on tree.ancestor_department_id = departments.department_id
    inner join visible on visible.department_id = tree.department_id

    union

    select viewers.staff_id, visible.staff_id
    from viewers
    cross join visible
    where viewers.can_view_all
)

select viewer_staff_id, visible_staff_id
from pairs
