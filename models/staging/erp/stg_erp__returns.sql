-- Staging for erp.returns: one row per return_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'returns') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(return_id as {{ dbt.type_bigint() }}) as return_id,
        cast(order_item_id as {{ dbt.type_bigint() }}) as order_item_id,
        cast(returned_on as date) as returned_on,
        cast(quantity as decimal(18, 2)) as quantity,
        {{ stg_clean_string('reason') }} as reason,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'return_id') }}

)

select
    return_id,
    order_item_id,
    returned_on,
    quantity,
    reason,
    refund_amount,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
