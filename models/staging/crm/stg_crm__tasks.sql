-- Staging for crm.tasks: one row per task_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'tasks') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('task_id') }} as task_id,
        {{ stg_clean_string('client_id') }} as client_id,
        {{ stg_clean_string('opportunity_id') }} as opportunity_id,
        {{ stg_clean_string('task_type') }} as task_type,
        {{ stg_clean_string('assigned_staff_id') }} as assigned_staff_id,
        {{ stg_clean_string('created_by_staff_id') }} as created_by_staff_id,
        {{ stg_to_business_time('due_at', 'UTC') }} as due_at,
        {{ stg_to_business_time('completed_at', 'UTC') }} as completed_at,
        {{ stg_clean_string('status') }} as status,
        {{ stg_to_business_time('created_at', 'UTC') }} as created_at,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        {{ stg_to_business_time('deleted_at', 'UTC') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'task_id') }}

)

select
    task_id,
    client_id,
    opportunity_id,
    task_type,
    assigned_staff_id,
    created_by_staff_id,
    due_at,
    completed_at,
    status,
    created_at,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
