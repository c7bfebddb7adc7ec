{#-
  Every identifier a person may be named by, one row per source record
  (int_client_identity): the source system and id, and the digits of the
  document number as delivered (valid or not). Reports resolve "--client X"
  here: X may be a client_key, any source id, or a document in any format.
  Deleted source records are kept (flagged): an old id still names the client.
-#}
select
    cast(identity.client_key as varchar) as client_key,
    cast(identity.source_system as varchar) as source_system,
    cast(identity.source_id as varchar) as source_id,
    cast(nullif({{ document_digits('identity.document_number_raw') }}, '') as varchar)
        as document_digits,
    cast(identity.has_valid_document as boolean) as has_valid_document,
    cast(identity.is_deleted as boolean) as is_deleted
from {{ ref('int_client_identity') }} as identity
