-- Staging for studio.activities: one row per activity_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'activities') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(activity_id as {{ dbt.type_bigint() }}) as activity_id,
        {{ stg_clean_string('name') }} as name,
        cast(area_id as {{ dbt.type_bigint() }}) as area_id,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
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
