{#- One row per crm staff member (the staff master), deleted ones flagged. -#}
select
    cast(staff.staff_id as varchar) as staff_id,
    cast(staff.full_name as varchar) as full_name,
    cast(staff.email as varchar) as email,
    cast(staff.department_id as varchar) as department_id,
    cast(departments.name as varchar) as department_name,
    cast(departments.parent_department_id as varchar) as parent_department_id,
    cast(staff.extension as varchar) as extension,
    cast(staff.can_view_all as boolean) as can_view_all,
    cast(staff.active as boolean) as active,
    cast(staff.is_deleted as boolean) as is_deleted,
    cast(departments.head_staff_id = staff.staff_id as boolean) as is_department_head
from {{ ref('stg_crm__staff') }} as staff
left join {{ ref('stg_crm__departments') }} as departments
    on departments.department_id = staff.department_id
