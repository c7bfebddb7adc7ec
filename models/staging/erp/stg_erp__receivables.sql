{{
    config(
        materialized='incremental',
        unique_key='receivable_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Staging for erp.receivables: one row per receivable_id, current version, cleaned.
-- Current version: greatest updated_at, then later file, then later row
-- (macro stg_current_version).
-- erp timestamps are already business-local: cast only.
--
-- Incremental (delete+insert on receivable_id): new raw rows since the last run compete
-- with the stored versions of the keys they touch (macro stg_incremental_candidates),
-- so the result equals a full refresh; a column change needs `--full-refresh`.

with source as (

    select * from {{ source('erp', 'receivables') }}
    where {{ stg_extracted_through() }}
    {% if is_incremental() %}
    and _loaded_at > ({{ stg_incremental_lower_bound() }})
    {% endif %}

),

renamed as (

    select
        cast(receivable_id as {{ dbt.type_bigint() }}) as receivable_id,
        cast(company_id as {{ dbt.type_bigint() }}) as company_id,
        {{ stg_clean_string('customer_code') }} as customer_code,
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(negotiation_id as {{ dbt.type_bigint() }}) as negotiation_id,
        {{ stg_clean_string('document_number') }} as document_number,
        cast(installment_number as {{ dbt.type_bigint() }}) as installment_number,
        cast(installments_total as {{ dbt.type_bigint() }}) as installments_total,
        cast(issued_on as date) as issued_on,
        cast(due_on as date) as due_on,
        cast(amount as decimal(18, 2)) as amount,
        cast(cancelled_on as date) as cancelled_on,
        cast(renegotiated_on as date) as renegotiated_on,
        cast(credit_bureau_on as date) as credit_bureau_on,
        cast(collection_on as date) as collection_on,
        {{ stg_to_business_time('updated_at') }} as updated_at,
        cast(false as {{ dbt.type_boolean() }}) as is_deleted,
        {{ stg_lineage_columns() }}
    from source

),

candidates as (

    {{ stg_incremental_candidates('renamed', 'receivable_id') }}

),

current_version as (

    {{ stg_current_version('candidates', 'receivable_id') }}

)

select
    receivable_id,
    company_id,
    customer_code,
    order_id,
    negotiation_id,
    document_number,
    installment_number,
    installments_total,
    issued_on,
    due_on,
    amount,
    cancelled_on,
    renegotiated_on,
    credit_bureau_on,
    collection_on,
    updated_at,
    is_deleted,
    _extract_date,
    _delivery_seq,
    _row_number,
    _file_name,
    _loaded_at
from current_version
