-- Staging for studio.activities: one row per activity_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'activities') }}

),

renamed as (

    select
        cast(activity_id as {{ dbt.type_bigint() }}) as activity_id,
        {{ stg_clean_string('name') }} as name,
        cast(area_id as {{ dbt.type_bigint() }}) as area_id,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        cast(_extract_date as date) as _extract_date,
        cast(_delivery_seq as integer) as _delivery_seq,
        cast(_row_number as {{ dbt.type_bigint() }}) as _row_number,
        cast(_file_name as {{ dbt.type_string() }}) as _file_name,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'activity_id') }}

)

select
    activity_id,
    name,
    area_id,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
