{#-
  Client identity map: one row per source client record (crm client, studio
  member, erp customer), deleted records included and flagged, with the
  unified client_key.

  Records with the same valid normalised document number are one client;
  a record without a valid document is a client of its own. client_key is a
  hash of 'doc:<digits>' or '<system>:<source id>', so it is stable across
  refreshes. is_primary marks, per client and system, the record whose
  attributes represent that system (non-deleted first, then smallest id).
-#}
{{ config(materialized='incremental', unique_key=['source_system', 'source_id']) }}

with crm as (
    select
        'crm' as source_system,
        client_id as source_id,
        document_number as document_number_raw,
        is_deleted
    from {{ ref('stg_crm__clients') }}
),

studio as (
    select
        'studio' as source_system,
        cast(member_id as {{ dbt.type_string() }}) as source_id,
        document_number as document_number_raw,
        is_deleted
    from {{ ref('stg_studio__members') }}
),

erp as (
    select
        'erp' as source_system,
        customer_code as source_id,
        document_number as document_number_raw,
        is_deleted
    from {{ ref('stg_erp__customers') }}
),

records as (
    select * from crm
    union all
    select * from studio
    union all
    select * from erp
),

-- the digits once per record: the validity rule reads them many times
digits as (
    select
        source_system,
        source_id,
        document_number_raw,
        {{ document_digits('document_number_raw') }} as document_digits,
        is_deleted
    from records
),

normalised as (
    select
        source_system,
        source_id,
        document_number_raw,
        {{ valid_document_digits('document_digits') }} as document_number,
        is_deleted
    from digits
),

keyed as (
    select
        source_system,
        source_id,
        document_number_raw,
        document_number,
        document_number is not null as has_valid_document,
        {{ dbt.hash(
            "case when document_number is not null then " ~ dbt.concat(["'doc:'", "document_number"])
            ~ " else " ~ dbt.concat(["source_system", "':'", "source_id"]) ~ " end"
        ) }} as client_key,
        is_deleted
    from normalised
),

ranked as (
    select
        *,
        row_number() over (
            partition by client_key, source_system
            order by case when is_deleted then 1 else 0 end, source_id
        ) as system_rank
    from keyed
)

select
    client_key,
    source_system,
    source_id,
    document_number,
    document_number_raw,
    has_valid_document,
    is_deleted,
    system_rank = 1 as is_primary
from ranked
