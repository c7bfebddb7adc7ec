-- Staging for studio.sessions: one row per session_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'sessions') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(session_id as {{ dbt.type_bigint() }}) as session_id,
        cast(activity_id as {{ dbt.type_bigint() }}) as activity_id,
        cast(area_id as {{ dbt.type_bigint() }}) as area_id,
        cast(instructor_id as {{ dbt.type_bigint() }}) as instructor_id,
        {{ stg_to_business_time('starts_at') }} as starts_at,
        {{ stg_to_business_time('ends_at') }} as ends_at,
        cast(capacity as {{ dbt.type_bigint() }}) as capacity,
        {{ stg_to_business_time('finalized_at') }} as finalized_at,
        cast(cancelled as {{ dbt.type_boolean() }}) as cancelled,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'session_id') }}

)

select
    session_id,
    activity_id,
    area_id,
    instructor_id,
    starts_at,
    ends_at,
    capacity,
    finalized_at,
    cancelled,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
