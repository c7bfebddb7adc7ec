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
-- Incremental: reads only raw rows loaded since the last run (minus a lookback,
-- macro stg_incremental_lower_bound), and lets the stored current version of
-- every touched key compete with the new rows under the same ranking, so a
-- late-arriving older version never replaces a newer one. The result equals a
-- full refresh. A contract change to the columns needs `--full-refresh`
-- (on_schema_change='fail': raw keeps all history, so a rebuild is always
-- safe). delete+insert on payment_id works on DuckDB and PostgreSQL.

with source as (

    select * from {{ source('erp', 'payments') }}
    {% if is_incremental() %}
    where _loaded_at > ({{ stg_incremental_lower_bound() }})
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
    from {{ this }}
    where payment_id in (select payment_id from renamed)

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
