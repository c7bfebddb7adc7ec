-- Staging for erp.schedule_events: one row per event_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.

with source as (

    select * from {{ source('erp', 'schedule_events') }}
    where {{ stg_extracted_through() }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_bigint() }}) as event_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        {{ stg_clean_string('event_type') }} as event_type,
        {{ stg_to_business_time('scheduled_for') }} as scheduled_for,
        {{ stg_to_business_time('completed_at') }} as completed_at,
        {{ stg_clean_string('status') }} as status,
        {{ stg_clean_email('responsible_email') }} as responsible_email,
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

current_version as (

    {{ stg_current_version('renamed', 'event_id') }}

)

select
    event_id,
    company_id,
    customer_code,
    event_type,
    scheduled_for,
    completed_at,
    status,
    responsible_email,
    order_id,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
