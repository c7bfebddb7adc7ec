{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for erp.payments: one row per payment_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.
--
-- Incremental (delete+insert on payment_id): new raw rows since the last run compete
-- with the stored versions of the keys they touch (macro stg_incremental_candidates),
-- so the result equals a full refresh; a column change needs `--full-refresh`.

with source as (

    select * from {{ source('erp', 'payments') }}
    where {{ stg_extracted_through() }}
    {% if is_incremental() %}
    and _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        cast(payment_id as {{ dbt.type_bigint() }}) as payment_id,
        cast(receivable_id as {{ dbt.type_bigint() }}) as receivable_id,
        cast(paid_on as date) as paid_on,
        cast(amount as decimal(18, 2)) as amount,
        {{ stg_clean_string('method') }} as method,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        {{ stg_to_business_time('deleted_at') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

candidates as (

    {{ stg_incremental_candidates('renamed', 'payment_id') }}

),

current_version as (

    {{ stg_current_version('candidates', 'payment_id') }}

)

select
    payment_id,
    receivable_id,
    paid_on,
    amount,
    method,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
