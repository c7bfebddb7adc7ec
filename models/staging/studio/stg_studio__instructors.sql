-- Staging for studio.instructors: one row per instructor_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'instructors') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(instructor_id as {{ dbt.type_bigint() }}) as instructor_id,
        {{ stg_clean_string('full_name') }} as full_name,
        {{ stg_clean_email('email') }} as email,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'instructor_id') }}

)

select
    instructor_id,
    full_name,
    email,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
