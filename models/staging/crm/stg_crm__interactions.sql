{{
    config(
        materialized='incremental',
        unique_key='interaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for crm.interactions: one row per interaction_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.
--
-- Incremental: reads only raw rows loaded since the last run (minus a lookback,
-- macro stg_incremental_lower_bound), and lets the stored current version of
-- every touched key compete with the new rows under the same ranking, so a
-- late-arriving older version never replaces a newer one. The result equals a
-- full refresh. A contract change to the columns needs `--full-refresh`
-- (on_schema_change='fail': raw keeps all history, so a rebuild is always
-- safe). delete+insert on interaction_id works on DuckDB and PostgreSQL.

with source as (

    select * from {{ source('crm', 'interactions') }}
    {% if is_incremental() %}
    where _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        {{ stg_clean_string('interaction_id') }} as interaction_id,
        {{ stg_clean_string('client_id') }} as client_id,
        {{ stg_clean_string('staff_id') }} as staff_id,
        {{ stg_clean_string('channel') }} as channel,
        {{ stg_clean_string('direction') }} as direction,
        {{ stg_to_business_time('occurred_at', 'UTC') }} as occurred_at,
        {{ stg_clean_string('subject') }} as subject,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
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
        interaction_id,
        client_id,
        staff_id,
        channel,
        direction,
        occurred_at,
        subject,
        updated_at,
        is_deleted,
        _extract_date,
        _delivery_seq,
        _row_number,
        _file_name,
        _loaded_at
    from {{ this }}
    where interaction_id in (select interaction_id from renamed)

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

    {{ stg_current_version('candidates', 'interaction_id') }}

)

select
    interaction_id,
    client_id,
    staff_id,
    channel,
    direction,
    occurred_at,
    subject,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
