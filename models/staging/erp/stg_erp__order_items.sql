{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for erp.order_items: one row per order_item_id, current version, cleaned.
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
-- safe). delete+insert on order_item_id works on DuckDB and PostgreSQL.

with source as (

    select * from {{ source('erp', 'order_items') }}
    {% if is_incremental() %}
    where _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        cast(order_item_id as {{ dbt.type_bigint() }}) as order_item_id,
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(quantity as decimal(18, 2)) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        {{ stg_clean_string('lot_number') }} as lot_number,
        {{ stg_clean_string('size') }} as size,
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
        order_item_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        discount_amount,
        lot_number,
        size,
        updated_at,
        is_deleted,
        _extract_date,
        _delivery_seq,
        _row_number,
        _file_name,
        _loaded_at
    from {{ this }}
    where order_item_id in (select order_item_id from renamed)

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

    {{ stg_current_version('candidates', 'order_item_id') }}

)

select
    order_item_id,
    order_id,
    product_id,
    quantity,
    unit_price,
    discount_amount,
    lot_number,
    size,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
