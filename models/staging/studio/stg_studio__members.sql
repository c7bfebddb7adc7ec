-- Staging for studio.members: one row per member_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- studio timestamps are already business-local: cast only.

with source as (

    select * from {{ source('studio', 'members') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(member_id as {{ dbt.type_bigint() }}) as member_id,
        {{ stg_clean_string('full_name') }} as full_name,
        {{ stg_clean_string('document_number') }} as document_number,
        {{ stg_clean_email('email') }} as email,
        {{ stg_clean_string('phone') }} as phone,
        {{ stg_clean_string('registration_type') }} as registration_type,
        cast(joined_on as date) as joined_on,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        {{ stg_to_business_time('deleted_at') }} as deleted_at,
        (deleted_at is not null) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'member_id') }}

)

select
    member_id,
    full_name,
    document_number,
    email,
    phone,
    registration_type,
    joined_on,
    updated_at,
    deleted_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
