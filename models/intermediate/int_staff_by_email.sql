{#-
  E-mail -> crm staff member, for the erp columns that name staff by e-mail
  (salesperson_email, responsible_email). One row per e-mail (lower-cased and
  trimmed in staging). Non-deleted staff first, then active, then smallest
  staff_id.
-#}
with ranked as (
    select
        email,
        staff_id,
        row_number() over (
            partition by email
            order by case when is_deleted then 1 else 0 end,
                     case when active then 0 else 1 end,
                     staff_id
        ) as rank_in_email
    from {{ ref('stg_crm__staff') }}
    where email is not null
)

select email, staff_id
from ranked
where rank_in_email = 1
