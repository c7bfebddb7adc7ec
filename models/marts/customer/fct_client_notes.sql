{#-
  One row per non-deleted crm client note (warning, contact, reference) with
  the unified client and the author's name. Deleted notes leave this
  current-state mart.
-#}
select
    cast(notes.note_id as varchar) as note_id,
    cast(notes.client_id as varchar) as crm_client_id,
    cast(identity.client_key as varchar) as client_key,
    cast(notes.kind as varchar) as kind,
    cast(notes.body as varchar) as body,
    cast(notes.created_by_staff_id as varchar) as created_by_staff_id,
    cast(staff.full_name as varchar) as created_by_name,
    cast(notes.created_at as timestamp) as created_at,
    cast(notes.created_at as date) as created_date
from {{ ref('stg_crm__client_notes') }} as notes
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'crm' and identity.source_id = notes.client_id
left join {{ ref('stg_crm__staff') }} as staff on staff.staff_id = notes.created_by_staff_id
where not notes.is_deleted
