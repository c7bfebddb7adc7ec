-- Staging for erp.purchase_orders: one row per purchase_order_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'purchase_orders') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(purchase_order_id as {{ dbt.type_bigint() }}) as purchase_order_id,
        cast(contract_id as {{ dbt.type_bigint() }}) as contract_id,
        {{ stg_clean_string('supplier_name') }} as supplier_name,
        cast(ordered_on as date) as ordered_on,
        cast(amount as decimal(18, 2)) as amount,
        {{ stg_clean_string('status') }} as status,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'purchase_order_id') }}

)

select
    purchase_order_id,
    contract_id,
    supplier_name,
    ordered_on,
    amount,
    status,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
