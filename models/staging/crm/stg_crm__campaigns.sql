-- Staging for crm.campaigns: one row per campaign_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'campaigns') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('campaign_id') }} as campaign_id,
        {{ stg_clean_string('name') }} as name,
        cast(starts_on as date) as starts_on,
        cast(ends_on as date) as ends_on,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'campaign_id') }}

)

select
    campaign_id,
    name,
    starts_on,
    ends_on,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
