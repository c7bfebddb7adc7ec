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
-- Incremental (delete+insert on interaction_id): new raw rows since the last run compete
-- with the stored versions of the keys they touch (macro stg_incremental_candidates),
-- so the result equals a full refresh; a column change needs `--full-refresh`.

with source as (

    select * from {{ source('crm', 'interactions') }}
    where {{ stg_extracted_through() }}
    {% if is_incremental() %}
    and _loaded_at > ({{ stg_incremental_lower_bound() }})
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
        {{ stg_lineage_columns() }}
    from source

),

candidates as (

    {{ stg_incremental_candidates('renamed', 'interaction_id') }}

),

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
