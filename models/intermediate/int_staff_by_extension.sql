{#-
  PBX extension -> crm staff member (crm.staff is the master). One row per
  extension. When several non-deleted staff share an extension, the active
  one wins, then the smallest staff_id.
-#}
with ranked as (
    select
        extension,
        staff_id,
        row_number() over (
            partition by extension
            order by case when active then 0 else 1 end, staff_id
        ) as rank_in_extension
    from {{ ref('stg_crm__staff') }}
    where not is_deleted
      and extension is not null
)

select extension, staff_id
from ranked
where rank_in_extension = 1
