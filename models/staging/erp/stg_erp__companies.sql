-- Staging for erp.companies: one row per company_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'companies') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('name') }} as name,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'company_id') }}

)

select
    company_id,
    name,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
