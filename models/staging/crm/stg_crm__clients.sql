-- Staging for crm.clients: one row per client_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'clients') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('client_id') }} as client_id,
        {{ stg_clean_string('full_name') }} as full_name,
        {{ stg_clean_string('document_number') }} as document_number,
        {{ stg_clean_email('email') }} as email,
        cast(phones as {{ dbt.type_string() }}[]) as phones,
        {{ stg_clean_string('source') }} as source,
        {{ stg_clean_string('client_group') }} as client_group,
        {{ stg_clean_string('owner_staff_id') }} as owner_staff_id,
        {{ stg_clean_string('city') }} as city,
        {{ stg_to_business_time('created_at', 'UTC') }} as created_at,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        {{ stg_to_business_time('deleted_at', 'UTC') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'client_id') }}

)

select
    client_id,
    full_name,
    document_number,
    email,
    phones,
    source,
    client_group,
    owner_staff_id,
    city,
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
