{#- One row per (viewer, visible staff) pair; rule in int_staff_visibility. -#}
select
    cast(viewer_staff_id as varchar) as viewer_staff_id,
    cast(visible_staff_id as varchar) as visible_staff_id
from {{ ref('int_staff_visibility') }}
