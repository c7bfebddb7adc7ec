-- Staging for crm.client_notes: one row per note_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- crm timestamps are UTC: converted to business-local time.

with source as (

    select * from {{ source('crm', 'client_notes') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        {{ stg_clean_string('note_id') }} as note_id,
        {{ stg_clean_string('client_id') }} as client_id,
        {{ stg_clean_string('kind') }} as kind,
        {{ stg_clean_string('body') }} as body,
        {{ stg_clean_string('created_by_staff_id') }} as created_by_staff_id,
        {{ stg_to_business_time('created_at', 'UTC') }} as created_at,
        {{ stg_to_business_time('updated_at', 'UTC') }} as updated_at,
        {{ stg_to_business_time('deleted_at', 'UTC') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'note_id') }}

)

select
    note_id,
    client_id,
    kind,
    body,
    created_by_staff_id,
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
