-- Indexes for the lists an app asks most: a status filter ordered by name
-- (a customer or supplier picker). With them a filtered, name-ordered page
-- walks the index and stops after one page instead of sorting every active
-- row of the tenant.
CREATE INDEX customers_tenant_status_name_idx ON customers (tenant_id, status, name);
CREATE INDEX suppliers_tenant_status_name_idx ON suppliers (tenant_id, status, name);
CREATE INDEX customers_tenant_name_idx ON customers (tenant_id, name);
