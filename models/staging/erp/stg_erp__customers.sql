-- Staging for erp.customers: one row per customer_code, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'customers') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_string('full_name') }} as full_name,
        {{ stg_clean_string('document_number') }} as document_number,
        {{ stg_clean_email('email') }} as email,
        {{ stg_clean_string('phone') }} as phone,
        {{ stg_clean_string('city') }} as city,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        {{ stg_to_business_time('deleted_at') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'customer_code') }}

)

select
    customer_code,
    full_name,
    document_number,
    email,
    phone,
    city,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
