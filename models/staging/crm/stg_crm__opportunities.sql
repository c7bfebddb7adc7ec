-- Staging for crm.opportunities: one row per opportunity_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'opportunities') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('opportunity_id') }} as opportunity_id,
        {{ stg_clean_string('client_id') }} as client_id,
        {{ stg_clean_string('campaign_id') }} as campaign_id,
        {{ stg_clean_string('owner_staff_id') }} as owner_staff_id,
        {{ stg_clean_string('stage') }} as stage,
        cast(amount as decimal(18, 2)) as amount,
        {{ stg_to_business_time('created_at', 'UTC') }} as created_at,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        {{ stg_to_business_time('deleted_at', 'UTC') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'opportunity_id') }}

)

select
    opportunity_id,
    client_id,
    campaign_id,
    owner_staff_id,
    stage,
    amount,
    created_at,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
