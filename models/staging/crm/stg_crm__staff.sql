-- Staging for crm.staff: one row per staff_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'staff') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('staff_id') }} as staff_id,
        {{ stg_clean_string('full_name') }} as full_name,
        {{ stg_clean_email('email') }} as email,
        {{ stg_clean_string('department_id') }} as department_id,
        {{ stg_clean_string('extension') }} as extension,
        cast(can_view_all as {{ dbt.type_boolean() }}) as can_view_all,
        cast(active as {{ dbt.type_boolean() }}) as active,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        {{ stg_to_business_time('deleted_at', 'UTC') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'staff_id') }}

)

select
    staff_id,
    full_name,
    email,
    department_id,
    extension,
    can_view_all,
    active,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
