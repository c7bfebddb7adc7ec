{#-
  One row per unified client (int_client_identity). Attributes come from the
  primary record of each system with priority crm > erp > studio (first
  non-null value). Clients whose every source record is deleted stay, with
  is_deleted = true, so facts keep their client; current-state reports
  filter them out.
-#}
with identity_all as (
    select * from {{ ref('int_client_identity') }}
),

clients as (
    select
        client_key,
        max(document_number) as document_number,
        sum(case when source_system = 'crm' then 1 else 0 end) as crm_record_count,
        sum(case when source_system = 'studio' then 1 else 0 end) as studio_record_count,
        sum(case when source_system = 'erp' then 1 else 0 end) as erp_record_count,
        min(case when is_deleted then 1 else 0 end) = 1 as is_deleted
    from identity_all
    group by client_key
),

identity as (
    select identity_all.*
    from identity_all
    inner join clients on clients.client_key = identity_all.client_key
    where identity_all.is_primary
      and (not identity_all.is_deleted or clients.is_deleted)
),

crm as (
    select
        identity.client_key,
        clients.client_id,
        clients.full_name,
        clients.email,
        clients.source,
        clients.client_group,
        clients.owner_staff_id,
        clients.city,
        clients.created_at
    from identity
    inner join {{ ref('stg_crm__clients') }} as clients
        on identity.source_system = 'crm' and identity.source_id = clients.client_id
),

studio as (
    select
        identity.client_key,
        members.member_id,
        members.full_name,
        members.email,
        members.phone,
        members.registration_type,
        members.joined_on
    from identity
    inner join {{ ref('stg_studio__members') }} as members
        on identity.source_system = 'studio'
        and identity.source_id = cast(members.member_id as {{ dbt.type_string() }})
),

erp as (
    select
        identity.client_key,
        customers.customer_code,
        customers.full_name,
        customers.email,
        customers.phone,
        customers.city
    from identity
    inner join {{ ref('stg_erp__customers') }} as customers
        on identity.source_system = 'erp' and identity.source_id = customers.customer_code
)

select
    cast(clients.client_key as varchar) as client_key,
    cast(coalesce(crm.full_name, erp.full_name, studio.full_name) as varchar) as full_name,
    cast(clients.document_number as varchar) as document_number,
    cast(coalesce(crm.email, erp.email, studio.email) as varchar) as email,
    cast(coalesce(erp.phone, studio.phone) as varchar) as phone,
    cast(coalesce(crm.city, erp.city) as varchar) as city,
    cast(crm.client_id as varchar) as crm_client_id,
    cast(studio.member_id as bigint) as studio_member_id,
    cast(erp.customer_code as varchar) as erp_customer_code,
    cast(crm.source as varchar) as source,
    cast(crm.client_group as varchar) as client_group,
    cast(crm.owner_staff_id as varchar) as owner_staff_id,
    cast(studio.registration_type as varchar) as registration_type,
    cast(studio.joined_on as date) as joined_on,
    cast(crm.created_at as timestamp) as created_at,
    cast(clients.crm_record_count as integer) as crm_record_count,
    cast(clients.studio_record_count as integer) as studio_record_count,
    cast(clients.erp_record_count as integer) as erp_record_count,
    cast(clients.is_deleted as boolean) as is_deleted
from clients
left join crm on crm.client_key = clients.client_key
left join studio on studio.client_key = clients.client_key
left join erp on erp.client_key = clients.client_key
