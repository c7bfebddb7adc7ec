-- Staging for erp.products: one row per product_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'products') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        {{ stg_clean_string('product_code') }} as product_code,
        {{ stg_clean_string('name') }} as name,
        {{ stg_clean_string('category') }} as category,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'product_id') }}

)

select
    product_id,
    product_code,
    name,
    category,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
