-- Staging for erp.orders: one row per order_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'orders') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('order_code') }} as order_code,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_email('salesperson_email') }} as salesperson_email,
        {{ stg_to_business_time('ordered_at') }} as ordered_at,
        {{ stg_clean_string('status') }} as status,
        cast(promised_delivery_on as date) as promised_delivery_on,
        cast(delivered_on as date) as delivered_on,
        {{ stg_clean_string('invoice_number') }} as invoice_number,
        cast(quote_id as {{ dbt.type_bigint() }}) as quote_id,
        cast(contract_id as {{ dbt.type_bigint() }}) as contract_id,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'order_id') }}

)

select
    order_id,
    company_id,
    order_code,
    customer_code,
    salesperson_email,
    ordered_at,
    status,
    promised_delivery_on,
    delivered_on,
    invoice_number,
    quote_id,
    contract_id,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
