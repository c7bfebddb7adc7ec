-- Staging for erp.projects: one row per project_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'projects') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(project_id as {{ dbt.type_bigint() }}) as project_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_email('responsible_email') }} as responsible_email,
        {{ stg_clean_string('specifier_name') }} as specifier_name,
        {{ stg_to_business_time('created_at') }} as created_at,
        cast(environments_count as {{ dbt.type_bigint() }}) as environments_count,
        cast(probable_sale_amount as decimal(18, 2)) as probable_sale_amount,
        cast(expected_close_on as date) as expected_close_on,
        {{ stg_clean_string('closing_status') }} as closing_status,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'project_id') }}

)

select
    project_id,
    company_id,
    customer_code,
    responsible_email,
    specifier_name,
    created_at,
    environments_count,
    probable_sale_amount,
    expected_close_on,
    closing_status,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
