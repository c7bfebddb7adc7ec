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
-- Incremental: reads only raw rows loaded since the last run (minus a lookback,
-- macro stg_incremental_lower_bound), and lets the stored current version of
-- every touched key compete with the new rows under the same ranking, so a
-- late-arriving older version never replaces a newer one. The result equals a
-- full refresh. A contract change to the columns needs `--full-refresh`
-- (on_schema_change='fail': raw keeps all history, so a rebuild is always
-- safe). delete+insert on booking_id works on DuckDB and PostgreSQL.

with source as (

    select * from {{ source('studio', 'bookings') }}
    {% if is_incremental() %}
    where _loaded_at > ({{ stg_incremental_lower_bound() }})
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
        cast(_extract_date as date) as _extract_date,
        cast(_delivery_seq as integer) as _delivery_seq,
        cast(_row_number as {{ dbt.type_bigint() }}) as _row_number,
        cast(_file_name as {{ dbt.type_string() }}) as _file_name,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

{% if is_incremental() %}

stored as (

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
    from {{ this }}
    where booking_id in (select booking_id from renamed)

),

candidates as (

    select * from renamed

    union all

    select * from stored

),

{% else %}

candidates as (

    select * from renamed

),

{% endif %}

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
