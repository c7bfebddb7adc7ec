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
-- Incremental (delete+insert on call_id): new raw rows since the last run compete
-- with the stored versions of the keys they touch (macro stg_incremental_candidates),
-- so the result equals a full refresh; a column change needs `--full-refresh`.

with source as (

    select * from {{ source('pbx', 'calls') }}
    where {{ stg_extracted_through() }}
    {% if is_incremental() %}
    and _loaded_at > ({{ stg_incremental_lower_bound() }})
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
        {{ stg_lineage_columns() }}
    from source

),

candidates as (

    {{ stg_incremental_candidates('renamed', 'call_id') }}

),

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
