{#- One row per non-deleted crm task (deleted tasks leave current-state marts). -#}
{{ config(materialized='incremental', unique_key='task_id') }}

select
    cast(tasks.task_id as varchar) as task_id,
    cast(tasks.client_id as varchar) as crm_client_id,
    cast(identity.client_key as varchar) as client_key,
    cast(tasks.opportunity_id as varchar) as opportunity_id,
    cast(tasks.task_type as varchar) as task_type,
    cast(tasks.assigned_staff_id as varchar) as assigned_staff_id,
    cast(tasks.created_by_staff_id as varchar) as created_by_staff_id,
    cast(tasks.status as varchar) as status,
    cast(tasks.due_at as timestamp) as due_at,
    cast(tasks.due_at as date) as due_date,
    cast(tasks.completed_at as timestamp) as completed_at,
    cast(tasks.completed_at as date) as completed_date,
    cast(tasks.created_at as timestamp) as created_at,
    cast(tasks.created_at as date) as created_date
from {{ ref('stg_crm__tasks') }} as tasks
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'crm' and identity.source_id = tasks.client_id
where not tasks.is_deleted
