-- Staging for erp.service_order_lines: one row per line_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'service_order_lines') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(line_id as {{ dbt.type_bigint() }}) as line_id,
        cast(service_order_id as {{ dbt.type_bigint() }}) as service_order_id,
        {{ stg_clean_string('line_type') }} as line_type,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        {{ stg_clean_string('description') }} as description,
        cast(quantity as decimal(18, 2)) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'line_id') }}

)

select
    line_id,
    service_order_id,
    line_type,
    product_id,
    description,
    quantity,
    unit_price,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
