{{
    config(
        materialized='incremental',
        unique_key='booking_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for studio.bookings: one row per booking_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.
--
-- Incremental (delete+insert on booking_id): new raw rows since the last run compete
-- with the stored versions of the keys they touch (macro stg_incremental_candidates),
-- so the result equals a full refresh; a column change needs `--full-refresh`.

with source as (

    select * from {{ source('studio', 'bookings') }}
    where {{ stg_extracted_through() }}
    {% if is_incremental() %}
    and _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        cast(booking_id as {{ dbt.type_bigint() }}) as booking_id,
        cast(session_id as {{ dbt.type_bigint() }}) as session_id,
        cast(member_id as {{ dbt.type_bigint() }}) as member_id,
        {{ stg_to_business_time('booked_at') }} as booked_at,
        {{ stg_to_business_time('cancelled_at') }} as cancelled_at,
        {{ stg_clean_string('attendance') }} as attendance,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

candidates as (

    {{ stg_incremental_candidates('renamed', 'booking_id') }}

),

current_version as (

    {{ stg_current_version('candidates', 'booking_id') }}

)

select
    booking_id,
    session_id,
    member_id,
    booked_at,
    cancelled_at,
    attendance,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
