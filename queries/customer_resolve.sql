-- Clients named by an identifier (customer history, client card, `--client`).
-- $client: a client_key, or any source id (crm client_id, studio member_id,
-- erp customer_code, deleted records included); $digits: the digits of
-- $client, matched against every delivered document number (any format).
-- More than one row means the identifier is ambiguous.
select distinct
    identifiers.client_key,
    clients.full_name
from marts.client_identifiers as identifiers
inner join marts.dim_client as clients on clients.client_key = identifiers.client_key
where identifiers.client_key = $client
   or identifiers.source_id = $client
   or (length($digits) > 0 and identifiers.document_digits = $digits)
order by identifiers.client_key
