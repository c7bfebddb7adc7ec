-- Staging for erp.service_orders: one row per service_order_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'service_orders') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(service_order_id as {{ dbt.type_bigint() }}) as service_order_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_string('equipment') }} as equipment,
        {{ stg_clean_string('serial_number') }} as serial_number,
        {{ stg_to_business_time('opened_at') }} as opened_at,
        {{ stg_to_business_time('closed_at') }} as closed_at,
        {{ stg_clean_string('status') }} as status,
        {{ stg_clean_string('technician_name') }} as technician_name,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'service_order_id') }}

)

select
    service_order_id,
    company_id,
    customer_code,
    equipment,
    serial_number,
    opened_at,
    closed_at,
    status,
    technician_name,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
