-- Staging for erp.quotes: one row per quote_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'quotes') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(quote_id as {{ dbt.type_bigint() }}) as quote_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_email('salesperson_email') }} as salesperson_email,
        {{ stg_to_business_time('created_at') }} as created_at,
        cast(valid_until as date) as valid_until,
        {{ stg_clean_string('status') }} as status,
        cast(amount as decimal(18, 2)) as amount,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'quote_id') }}

)

select
    quote_id,
    company_id,
    customer_code,
    salesperson_email,
    created_at,
    valid_until,
    status,
    amount,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
