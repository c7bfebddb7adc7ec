-- Staging for erp.negotiations: one row per negotiation_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'negotiations') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(negotiation_id as {{ dbt.type_bigint() }}) as negotiation_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_string('document_number') }} as document_number,
        cast(agreed_on as date) as agreed_on,
        cast(original_debt as decimal(18, 2)) as original_debt,
        cast(agreed_amount as decimal(18, 2)) as agreed_amount,
        cast(installments_count as {{ dbt.type_bigint() }}) as installments_count,
        {{ stg_clean_string('status') }} as status,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'negotiation_id') }}

)

select
    negotiation_id,
    company_id,
    customer_code,
    document_number,
    agreed_on,
    original_debt,
    agreed_amount,
    installments_count,
    status,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
