{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for pbx.calls: one row per call_id, current version, cleaned.
-- Calls are immutable (no updated_at): a call_id seen again is a re-delivery
-- and the first delivery wins (macro stg_current_version, immutable=true).
-- pbx timestamps are already business-local: cast only.
--
-- Incremental: reads only raw rows loaded since the last run (minus a lookback,
-- macro stg_incremental_lower_bound), and lets the stored current version of
-- every touched key compete with the new rows under the same ranking, so a
-- late-arriving older version never replaces a newer one. The result equals a
-- full refresh. A contract change to the columns needs `--full-refresh`
-- (on_schema_change='fail': raw keeps all history, so a rebuild is always
-- safe). delete+insert on call_id works on DuckDB and PostgreSQL.

with source as (

    select * from {{ source('pbx', 'calls') }}
    {% if is_incremental() %}
    where _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        cast(call_id as {{ dbt.type_bigint() }}) as call_id,
        {{ stg_to_business_time('started_at') }} as started_at,
        {{ stg_clean_string('extension') }} as extension,
        {{ stg_clean_string('direction') }} as direction,
        {{ stg_clean_string('from_number') }} as from_number,
        {{ stg_clean_string('to_number') }} as to_number,
        {{ stg_clean_string('disposition') }} as disposition,
        cast(talk_seconds as {{ dbt.type_bigint() }}) as talk_seconds,
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
        call_id,
        started_at,
        extension,
        direction,
        from_number,
        to_number,
        disposition,
        talk_seconds,
        is_deleted,
        _extract_date,
        _delivery_seq,
        _row_number,
        _file_name,
        _loaded_at
    from {{ this }}
    where call_id in (select call_id from renamed)

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

    {{ stg_current_version('candidates', 'call_id', immutable=true) }}

)

select
    call_id,
    started_at,
    extension,
    direction,
    from_number,
    to_number,
    disposition,
    talk_seconds,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
