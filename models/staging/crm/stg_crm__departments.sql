-- Staging for crm.departments: one row per department_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'departments') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('department_id') }} as department_id,
        {{ stg_clean_string('name') }} as name,
        {{ stg_clean_string('parent_department_id') }} as parent_department_id,
        {{ stg_clean_string('head_staff_id') }} as head_staff_id,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'department_id') }}

)

select
    department_id,
    name,
    parent_department_id,
    head_staff_id,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
