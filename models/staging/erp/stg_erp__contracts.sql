-- Staging for erp.contracts: one row per contract_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'contracts') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(contract_id as {{ dbt.type_bigint() }}) as contract_id,
        cast(project_id as {{ dbt.type_bigint() }}) as project_id,
        {{ stg_clean_string('contract_number') }} as contract_number,
        cast(signed_on as date) as signed_on,
        cast(amount as decimal(18, 2)) as amount,
        cast(environments_count as {{ dbt.type_bigint() }}) as environments_count,
        {{ stg_clean_string('stage') }} as stage,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'contract_id') }}

)

select
    contract_id,
    project_id,
    contract_number,
    signed_on,
    amount,
    environments_count,
    stage,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
