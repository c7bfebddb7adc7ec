-- Every staged client record (crm client, studio member, erp customer;
-- deleted ones too) appears exactly once in the identity map, and every
-- client_key of the map is one row of dim_client. Returns offending records.
with staged as (
    select 'crm' as source_system, client_id as source_id, is_deleted
    from {{ ref('stg_crm__clients') }}
    union all
    select 'studio', cast(member_id as {{ dbt.type_string() }}), is_deleted
    from {{ ref('stg_studio__members') }}
    union all
    select 'erp', customer_code, is_deleted
    from {{ ref('stg_erp__customers') }}
),

mapped as (
    select source_system, source_id, count(*) as times_mapped
    from {{ ref('int_client_identity') }}
    group by source_system, source_id
),

unmapped_or_duplicated as (
    select staged.source_system, staged.source_id, coalesce(mapped.times_mapped, 0) as times_mapped
    from staged
    left join mapped
        on mapped.source_system = staged.source_system
        and mapped.source_id = staged.source_id
    where coalesce(mapped.times_mapped, 0) <> 1
),

keys_missing_from_dim as (
    select distinct identity.source_system, identity.source_id, 0 as times_mapped
    from {{ ref('int_client_identity') }} as identity
    left join {{ ref('dim_client') }} as dim on dim.client_key = identity.client_key
    where dim.client_key is null
)

select * from unmapped_or_duplicated
union all
select * from keys_missing_from_dim
