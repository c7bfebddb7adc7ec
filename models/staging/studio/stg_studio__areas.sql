-- Staging for studio.areas: one row per area_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'areas') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(area_id as {{ dbt.type_bigint() }}) as area_id,
        {{ stg_clean_string('name') }} as name,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'area_id') }}

)

select
    area_id,
    name,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
