-- ERP business tables of spec 000 §7 (customers, suppliers, products, sales,
-- purchases, accounting, stock, CRM, HR, MRP, projects, core reference tables
-- and the other modules), the tables spec 000 §10 gives [DB] enums for, and
-- their CHECK constraints (§10 [DB]; [建議] values are not constrained).
--
-- This file mirrors migrations/postgres/0003_erp_tables.sql table for table
-- and column for column; change both together. host/src/erp_catalog.rs lists
-- the same tables in the same order.
--
-- SQLite types: ids are hyphenated UUID text (random v4 by default), dates
-- and timestamps RFC 3339 text, JSON text, booleans 0/1, money and
-- quantities NUMERIC, FLOAT columns REAL.
--
-- Every table has the system columns of spec 000 §4.6 (id, tenant_id,
-- created_at, updated_at) and custom_data (§4.7: JSON, nullable, default {}).
-- Optional foreign keys are ON DELETE SET NULL, a line or link row goes with
-- its parent (ON DELETE CASCADE). Every table is indexed on
-- (tenant_id, created_at DESC, id DESC), the proxy's default order, and on
-- each foreign key column. A table is created after the tables it refers to.

-- ════════ Core reference tables (§7.12) ════════

-- currencies: 幣別 [§7.12]
CREATE TABLE currencies (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR(3) NOT NULL,
    full_name       VARCHAR,
    symbol          VARCHAR(10),
    decimal_places  INTEGER DEFAULT 2,
    position        VARCHAR,
    active          BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX currencies_tenant_created_idx ON currencies (tenant_id, created_at DESC, id DESC);

-- currency_rates: 匯率 [§7.12, named without columns]
CREATE TABLE currency_rates (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    currency_id  UUID NOT NULL REFERENCES currencies(id) ON DELETE CASCADE,
    date         DATE,
    rate         NUMERIC(16,6),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX currency_rates_tenant_created_idx ON currency_rates (tenant_id, created_at DESC, id DESC);
CREATE INDEX currency_rates_currency_id_idx ON currency_rates (currency_id);

-- countries: 國家 [§7.12]
CREATE TABLE countries (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    code           VARCHAR(2),
    phone_code     INTEGER,
    currency_id    UUID REFERENCES currencies(id) ON DELETE SET NULL,
    name_position  VARCHAR,
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX countries_tenant_created_idx ON countries (tenant_id, created_at DESC, id DESC);
CREATE INDEX countries_currency_id_idx ON countries (currency_id);

-- country_states: 州省 [§7.12, named without columns]
CREATE TABLE country_states (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    country_id   UUID NOT NULL REFERENCES countries(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    code         VARCHAR,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX country_states_tenant_created_idx ON country_states (tenant_id, created_at DESC, id DESC);
CREATE INDEX country_states_country_id_idx ON country_states (country_id);

-- languages: 語言 [§7.12, named without columns]
CREATE TABLE languages (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    code         VARCHAR,
    iso_code     VARCHAR,
    direction    VARCHAR,
    date_format  VARCHAR,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX languages_tenant_created_idx ON languages (tenant_id, created_at DESC, id DESC);

-- uom_categories: 計量單位類別 [§7.12, named without columns]
CREATE TABLE uom_categories (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX uom_categories_tenant_created_idx ON uom_categories (tenant_id, created_at DESC, id DESC);

-- uom_uom: 計量單位 [§7.12]
CREATE TABLE uom_uom (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    category_id  UUID REFERENCES uom_categories(id) ON DELETE SET NULL,
    uom_type     VARCHAR NOT NULL DEFAULT 'reference' CHECK (uom_type IN ('reference', 'bigger', 'smaller')),
    factor       DOUBLE PRECISION DEFAULT 1,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX uom_uom_tenant_created_idx ON uom_uom (tenant_id, created_at DESC, id DESC);
CREATE INDEX uom_uom_category_id_idx ON uom_uom (category_id);

-- ir_sequences: 編號規則 [§7.12, named without columns]
CREATE TABLE ir_sequences (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR NOT NULL,
    code              VARCHAR,
    prefix            VARCHAR,
    suffix            VARCHAR,
    padding           INTEGER DEFAULT 0,
    number_next       INTEGER DEFAULT 1,
    number_increment  INTEGER DEFAULT 1,
    implementation    VARCHAR NOT NULL DEFAULT 'standard' CHECK (implementation IN ('standard', 'no_gap')),
    active            BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX ir_sequences_tenant_created_idx ON ir_sequences (tenant_id, created_at DESC, id DESC);

-- ════════ Customers (§7.1) ════════

-- customer_levels: 客戶等級 [§7.1]
CREATE TABLE customer_levels (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    discount_rate  NUMERIC(5,4) DEFAULT 1,
    description    TEXT,
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX customer_levels_tenant_created_idx ON customer_levels (tenant_id, created_at DESC, id DESC);

-- customers: 客戶 [§7.1]
CREATE TABLE customers (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                VARCHAR NOT NULL,
    customer_type       VARCHAR CHECK (customer_type IN ('company', 'individual')),
    birthday            VARCHAR,
    id_number           VARCHAR,
    registered_address  VARCHAR,
    contact_address     VARCHAR,
    phone               VARCHAR,
    email               VARCHAR,
    line_id             VARCHAR,
    fax                 VARCHAR,
    note                TEXT,
    id_file_url         VARCHAR,
    contact_person      VARCHAR,
    vat                 VARCHAR,
    currency_id         UUID REFERENCES currencies(id) ON DELETE SET NULL,
    payment_term        VARCHAR,
    credit_limit        DOUBLE PRECISION,
    is_company          BOOLEAN NOT NULL DEFAULT 0 CHECK (is_company IN (0, 1)),
    country_id          UUID REFERENCES countries(id) ON DELETE SET NULL,
    state_id            UUID REFERENCES country_states(id) ON DELETE SET NULL,
    city                VARCHAR,
    zip_code            VARCHAR,
    lang                VARCHAR,
    ref                 VARCHAR,
    website_url         VARCHAR,
    active              BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    short_name          VARCHAR,
    status              VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    level_id            UUID REFERENCES customer_levels(id) ON DELETE SET NULL,
    salesperson_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX customers_tenant_created_idx ON customers (tenant_id, created_at DESC, id DESC);
CREATE INDEX customers_currency_id_idx ON customers (currency_id);
CREATE INDEX customers_country_id_idx ON customers (country_id);
CREATE INDEX customers_state_id_idx ON customers (state_id);
CREATE INDEX customers_level_id_idx ON customers (level_id);
CREATE INDEX customers_salesperson_id_idx ON customers (salesperson_id);

-- customer_tags: 客戶標籤 [§7.1]
CREATE TABLE customer_tags (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    color        VARCHAR,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX customer_tags_tenant_created_idx ON customer_tags (tenant_id, created_at DESC, id DESC);

-- customer_tag_rel: 客戶-標籤關聯 [§7.1]
CREATE TABLE customer_tag_rel (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    customer_id  UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag_id       UUID NOT NULL REFERENCES customer_tags(id) ON DELETE CASCADE,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (customer_id, tag_id)
);
CREATE INDEX customer_tag_rel_tenant_created_idx ON customer_tag_rel (tenant_id, created_at DESC, id DESC);
CREATE INDEX customer_tag_rel_customer_id_idx ON customer_tag_rel (customer_id);
CREATE INDEX customer_tag_rel_tag_id_idx ON customer_tag_rel (tag_id);

-- ════════ Suppliers (§7.2) ════════

-- suppliers: 供應商 [§7.2]
CREATE TABLE suppliers (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                VARCHAR NOT NULL,
    supplier_type       VARCHAR CHECK (supplier_type IN ('company', 'individual')),
    ref                 VARCHAR,
    vat                 VARCHAR,
    contact_person      VARCHAR,
    phone               VARCHAR,
    email               VARCHAR,
    fax                 VARCHAR,
    registered_address  VARCHAR,
    contact_address     VARCHAR,
    city                VARCHAR,
    zip_code            VARCHAR,
    country_id          UUID REFERENCES countries(id) ON DELETE SET NULL,
    state_id            UUID REFERENCES country_states(id) ON DELETE SET NULL,
    payment_term        VARCHAR,
    credit_limit        DOUBLE PRECISION,
    currency_id         UUID REFERENCES currencies(id) ON DELETE SET NULL,
    website_url         VARCHAR,
    note                TEXT,
    active              BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    status              VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX suppliers_tenant_created_idx ON suppliers (tenant_id, created_at DESC, id DESC);
CREATE INDEX suppliers_country_id_idx ON suppliers (country_id);
CREATE INDEX suppliers_state_id_idx ON suppliers (state_id);
CREATE INDEX suppliers_currency_id_idx ON suppliers (currency_id);

-- ════════ Accounting (§7.6, §10.6) ════════

-- account_accounts: 會計科目 [§7.6, named without columns]
CREATE TABLE account_accounts (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    code          VARCHAR,
    name          VARCHAR NOT NULL,
    account_type  VARCHAR,
    reconcile     BOOLEAN NOT NULL DEFAULT 0 CHECK (reconcile IN (0, 1)),
    currency_id   UUID REFERENCES currencies(id) ON DELETE SET NULL,
    note          TEXT,
    active        BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_accounts_tenant_created_idx ON account_accounts (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_accounts_currency_id_idx ON account_accounts (currency_id);

-- account_taxes: 稅率 [§7.6, named without columns]
CREATE TABLE account_taxes (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    type_tax_use   VARCHAR,
    amount_type    VARCHAR,
    amount         NUMERIC(16,4),
    price_include  BOOLEAN NOT NULL DEFAULT 0 CHECK (price_include IN (0, 1)),
    account_id     UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    description    TEXT,
    active         BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_taxes_tenant_created_idx ON account_taxes (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_taxes_account_id_idx ON account_taxes (account_id);

-- account_journals: 日記帳 [§7.6, named without columns]
CREATE TABLE account_journals (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                VARCHAR NOT NULL,
    code                VARCHAR,
    type                VARCHAR,
    default_account_id  UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    currency_id         UUID REFERENCES currencies(id) ON DELETE SET NULL,
    sequence_id         UUID REFERENCES ir_sequences(id) ON DELETE SET NULL,
    active              BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_journals_tenant_created_idx ON account_journals (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_journals_default_account_id_idx ON account_journals (default_account_id);
CREATE INDEX account_journals_currency_id_idx ON account_journals (currency_id);
CREATE INDEX account_journals_sequence_id_idx ON account_journals (sequence_id);

-- account_payment_terms: 付款條件 [§7.6, named without columns]
CREATE TABLE account_payment_terms (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    due_days     INTEGER DEFAULT 0,
    note         TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_payment_terms_tenant_created_idx ON account_payment_terms (tenant_id, created_at DESC, id DESC);

-- account_fiscal_positions: 稅務對應 [§7.6, named without columns]
CREATE TABLE account_fiscal_positions (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    country_id   UUID REFERENCES countries(id) ON DELETE SET NULL,
    auto_apply   BOOLEAN NOT NULL DEFAULT 0 CHECK (auto_apply IN (0, 1)),
    note         TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_fiscal_positions_tenant_created_idx ON account_fiscal_positions (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_fiscal_positions_country_id_idx ON account_fiscal_positions (country_id);

-- account_fiscal_years: 會計年度 [§10.6]
CREATE TABLE account_fiscal_years (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    date_start   DATE,
    date_end     DATE,
    state        VARCHAR NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_fiscal_years_tenant_created_idx ON account_fiscal_years (tenant_id, created_at DESC, id DESC);

-- account_periods: 會計期間 [§10.6]
CREATE TABLE account_periods (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    fiscal_year_id  UUID NOT NULL REFERENCES account_fiscal_years(id) ON DELETE CASCADE,
    name            VARCHAR NOT NULL,
    date_start      DATE,
    date_end        DATE,
    state           VARCHAR NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_periods_tenant_created_idx ON account_periods (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_periods_fiscal_year_id_idx ON account_periods (fiscal_year_id);

-- account_lock_dates: 鎖帳日期 [§10.6]
CREATE TABLE account_lock_dates (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lock_date_field  VARCHAR NOT NULL CHECK (lock_date_field IN ('fiscalyear_lock_date', 'tax_lock_date', 'sale_lock_date', 'purchase_lock_date')),
    lock_date        DATE NOT NULL,
    state            VARCHAR NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked', 'expired')),
    date_expiry      DATE,
    reason           TEXT,
    user_id          UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_lock_dates_tenant_created_idx ON account_lock_dates (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_lock_dates_user_id_idx ON account_lock_dates (user_id);

-- account_reports: 財務報表 [§10.6]
CREATE TABLE account_reports (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    report_type  VARCHAR CHECK (report_type IN ('general_ledger', 'balance_sheet', 'profit_loss', 'cash_flow', 'aged_receivable', 'aged_payable', 'tax_report', 'partner_ledger', 'trial_balance')),
    description  TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_reports_tenant_created_idx ON account_reports (tenant_id, created_at DESC, id DESC);

-- account_report_lines: 財務報表行 [§10.6]
CREATE TABLE account_report_lines (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    report_id          UUID NOT NULL REFERENCES account_reports(id) ON DELETE CASCADE,
    parent_id          UUID REFERENCES account_report_lines(id) ON DELETE SET NULL,
    name               VARCHAR NOT NULL,
    code               VARCHAR,
    sequence           INTEGER DEFAULT 0,
    expression_engine  VARCHAR CHECK (expression_engine IN ('domain', 'account_codes', 'aggregation', 'tax_tags', 'custom')),
    formula            TEXT,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_report_lines_tenant_created_idx ON account_report_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_report_lines_report_id_idx ON account_report_lines (report_id);
CREATE INDEX account_report_lines_parent_id_idx ON account_report_lines (parent_id);

-- ════════ Stock (§7.7, §10.7) ════════

-- stock_locations: 庫位 [§7.7]
CREATE TABLE stock_locations (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    usage        VARCHAR NOT NULL DEFAULT 'internal' CHECK (usage IN ('supplier', 'view', 'internal', 'customer', 'inventory', 'production', 'transit')),
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    barcode      VARCHAR,
    location_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_locations_tenant_created_idx ON stock_locations (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_locations_location_id_idx ON stock_locations (location_id);

-- stock_warehouses: 倉庫 [§7.7]
CREATE TABLE stock_warehouses (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR NOT NULL,
    code             VARCHAR(5),
    active           BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    reception_steps  VARCHAR NOT NULL DEFAULT 'one_step' CHECK (reception_steps IN ('one_step', 'two_steps', 'three_steps')),
    delivery_steps   VARCHAR NOT NULL DEFAULT 'ship_only' CHECK (delivery_steps IN ('ship_only', 'pick_ship', 'pick_pack_ship')),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_warehouses_tenant_created_idx ON stock_warehouses (tenant_id, created_at DESC, id DESC);

-- stock_storage_categories: 儲位類別 [§10.7]
CREATE TABLE stock_storage_categories (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR NOT NULL,
    allow_new_product  VARCHAR NOT NULL DEFAULT 'mixed' CHECK (allow_new_product IN ('empty', 'same', 'mixed')),
    max_weight         NUMERIC(16,4),
    active             BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_storage_categories_tenant_created_idx ON stock_storage_categories (tenant_id, created_at DESC, id DESC);

-- ════════ HR (§7.9, §10.9) ════════

-- hr_departments: 部門 [§7.9, named without columns]
CREATE TABLE hr_departments (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    complete_name  VARCHAR,
    parent_id      UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    note           TEXT,
    active         BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_departments_tenant_created_idx ON hr_departments (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_departments_parent_id_idx ON hr_departments (parent_id);

-- hr_jobs: 職位 [§7.9, named without columns]
CREATE TABLE hr_jobs (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR NOT NULL,
    department_id      UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    description        TEXT,
    no_of_recruitment  INTEGER DEFAULT 0,
    active             BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_jobs_tenant_created_idx ON hr_jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_jobs_department_id_idx ON hr_jobs (department_id);

-- hr_work_locations: 工作地點 [§7.9, named without columns]
CREATE TABLE hr_work_locations (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    location_type  VARCHAR NOT NULL DEFAULT 'office' CHECK (location_type IN ('home', 'office', 'other')),
    address        VARCHAR,
    active         BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_work_locations_tenant_created_idx ON hr_work_locations (tenant_id, created_at DESC, id DESC);

-- hr_employees: 員工 [§7.9]
CREATE TABLE hr_employees (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    employee_type      VARCHAR,
    job_title          VARCHAR,
    work_phone         VARCHAR,
    work_email         VARCHAR,
    mobile_phone       VARCHAR,
    gender             VARCHAR,
    birthday           DATE,
    department_id      UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    job_id             UUID REFERENCES hr_jobs(id) ON DELETE SET NULL,
    parent_id          UUID REFERENCES hr_employees(id) ON DELETE SET NULL,
    user_id            UUID REFERENCES users(id) ON DELETE SET NULL,
    member_id          UUID REFERENCES users(id) ON DELETE SET NULL,
    marital            VARCHAR,
    hr_presence_state  VARCHAR,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_employees_tenant_created_idx ON hr_employees (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_employees_department_id_idx ON hr_employees (department_id);
CREATE INDEX hr_employees_job_id_idx ON hr_employees (job_id);
CREATE INDEX hr_employees_parent_id_idx ON hr_employees (parent_id);
CREATE INDEX hr_employees_user_id_idx ON hr_employees (user_id);
CREATE INDEX hr_employees_member_id_idx ON hr_employees (member_id);

-- ════════ Products (§7.3, §10.3) ════════

-- product_categories: 產品分類 [§7.3]
CREATE TABLE product_categories (
    id                           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id                    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                         VARCHAR NOT NULL,
    complete_name                VARCHAR,
    parent_id                    UUID REFERENCES product_categories(id) ON DELETE SET NULL,
    code                         VARCHAR,
    property_valuation           VARCHAR,
    property_cost_method         VARCHAR,
    property_account_income_id   UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    property_account_expense_id  UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    default_warehouse_id         UUID REFERENCES stock_warehouses(id) ON DELETE SET NULL,
    custom_data                  JSONB DEFAULT '{}',
    created_at                   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at                   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX product_categories_tenant_created_idx ON product_categories (tenant_id, created_at DESC, id DESC);
CREATE INDEX product_categories_parent_id_idx ON product_categories (parent_id);
CREATE INDEX product_categories_property_account_income_id_idx ON product_categories (property_account_income_id);
CREATE INDEX product_categories_property_account_expense_id_idx ON product_categories (property_account_expense_id);
CREATE INDEX product_categories_default_warehouse_id_idx ON product_categories (default_warehouse_id);

-- product_templates: 產品範本 [§7.3]
CREATE TABLE product_templates (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR NOT NULL,
    type            VARCHAR NOT NULL DEFAULT 'consu' CHECK (type IN ('consu', 'service', 'combo')),
    categ_id        UUID REFERENCES product_categories(id) ON DELETE SET NULL,
    list_price      NUMERIC(16,2) DEFAULT 0,
    standard_price  NUMERIC(16,2) DEFAULT 0,
    description     TEXT,
    default_code    VARCHAR,
    barcode         VARCHAR,
    active          BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sale_ok         BOOLEAN NOT NULL DEFAULT 1 CHECK (sale_ok IN (0, 1)),
    purchase_ok     BOOLEAN NOT NULL DEFAULT 1 CHECK (purchase_ok IN (0, 1)),
    uom_id          UUID REFERENCES uom_uom(id) ON DELETE SET NULL,
    uom_po_id       UUID REFERENCES uom_uom(id) ON DELETE SET NULL,
    invoice_policy  VARCHAR NOT NULL DEFAULT 'order' CHECK (invoice_policy IN ('order', 'delivery')),
    service_type    VARCHAR NOT NULL DEFAULT 'manual' CHECK (service_type IN ('manual', 'timesheet')),
    expense_policy  VARCHAR NOT NULL DEFAULT 'no' CHECK (expense_policy IN ('no', 'cost', 'sales_price')),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX product_templates_tenant_created_idx ON product_templates (tenant_id, created_at DESC, id DESC);
CREATE INDEX product_templates_categ_id_idx ON product_templates (categ_id);
CREATE INDEX product_templates_uom_id_idx ON product_templates (uom_id);
CREATE INDEX product_templates_uom_po_id_idx ON product_templates (uom_po_id);

-- product_products: 產品變體 [§7.3]
CREATE TABLE product_products (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    product_tmpl_id  UUID NOT NULL REFERENCES product_templates(id) ON DELETE CASCADE,
    default_code     VARCHAR,
    barcode          VARCHAR,
    active           BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    lst_price_extra  NUMERIC(16,2) DEFAULT 0,
    standard_price   NUMERIC(16,2) DEFAULT 0,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX product_products_tenant_created_idx ON product_products (tenant_id, created_at DESC, id DESC);
CREATE INDEX product_products_product_tmpl_id_idx ON product_products (product_tmpl_id);

-- product_price_tiers: 階梯定價 [§7.3]
CREATE TABLE product_price_tiers (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    product_tmpl_id  UUID NOT NULL REFERENCES product_templates(id) ON DELETE CASCADE,
    price_type       VARCHAR NOT NULL DEFAULT 'fixed' CHECK (price_type IN ('fixed', 'market')),
    min_qty          NUMERIC(16,4),
    max_qty          NUMERIC(16,4),
    price            NUMERIC(16,2),
    guide_price      NUMERIC(16,2),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX product_price_tiers_tenant_created_idx ON product_price_tiers (tenant_id, created_at DESC, id DESC);
CREATE INDEX product_price_tiers_product_tmpl_id_idx ON product_price_tiers (product_tmpl_id);

-- product_supplierinfo: 供應商價格 [§7.3]
CREATE TABLE product_supplierinfo (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    supplier_id      UUID NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    product_tmpl_id  UUID REFERENCES product_templates(id) ON DELETE SET NULL,
    product_id       UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_name     VARCHAR,
    product_code     VARCHAR,
    min_qty          NUMERIC(16,4) DEFAULT 0,
    price            NUMERIC(16,2) DEFAULT 0,
    currency_id      UUID REFERENCES currencies(id) ON DELETE SET NULL,
    date_start       DATE,
    date_end         DATE,
    delay            INTEGER,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX product_supplierinfo_tenant_created_idx ON product_supplierinfo (tenant_id, created_at DESC, id DESC);
CREATE INDEX product_supplierinfo_supplier_id_idx ON product_supplierinfo (supplier_id);
CREATE INDEX product_supplierinfo_product_tmpl_id_idx ON product_supplierinfo (product_tmpl_id);
CREATE INDEX product_supplierinfo_product_id_idx ON product_supplierinfo (product_id);
CREATE INDEX product_supplierinfo_currency_id_idx ON product_supplierinfo (currency_id);

-- ════════ Customers (§7.1), continued ════════

-- customer_tag_prices: 標籤專屬價 [§7.1]
CREATE TABLE customer_tag_prices (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    tag_id         UUID NOT NULL REFERENCES customer_tags(id) ON DELETE CASCADE,
    product_id     UUID NOT NULL REFERENCES product_products(id) ON DELETE CASCADE,
    special_price  NUMERIC(16,2),
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX customer_tag_prices_tenant_created_idx ON customer_tag_prices (tenant_id, created_at DESC, id DESC);
CREATE INDEX customer_tag_prices_tag_id_idx ON customer_tag_prices (tag_id);
CREATE INDEX customer_tag_prices_product_id_idx ON customer_tag_prices (product_id);

-- ════════ Sales (§7.4, §10.4) ════════

-- sale_order_templates: 報價範本 [parent of the §10.4 sale_order_template_lines]
CREATE TABLE sale_order_templates (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR NOT NULL,
    number_of_days  INTEGER,
    note            TEXT,
    active          BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_order_templates_tenant_created_idx ON sale_order_templates (tenant_id, created_at DESC, id DESC);

-- sale_order_template_lines: 報價範本明細 [§10.4]
CREATE TABLE sale_order_template_lines (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    template_id      UUID NOT NULL REFERENCES sale_order_templates(id) ON DELETE CASCADE,
    sequence         INTEGER DEFAULT 0,
    name             TEXT,
    product_id       UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_uom_qty  NUMERIC(16,4) DEFAULT 1,
    display_type     VARCHAR,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_order_template_lines_tenant_created_idx ON sale_order_template_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX sale_order_template_lines_template_id_idx ON sale_order_template_lines (template_id);
CREATE INDEX sale_order_template_lines_product_id_idx ON sale_order_template_lines (product_id);

-- sale_orders: 銷售訂單 [§7.4]
CREATE TABLE sale_orders (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    state            VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent', 'sale', 'done', 'cancel')),
    date_order       DATE,
    validity_date    DATE,
    note             TEXT,
    amount_untaxed   NUMERIC(16,2) DEFAULT 0,
    amount_tax       NUMERIC(16,2) DEFAULT 0,
    amount_total     NUMERIC(16,2) DEFAULT 0,
    margin           NUMERIC(16,2) DEFAULT 0,
    invoice_status   VARCHAR NOT NULL DEFAULT 'no' CHECK (invoice_status IN ('no', 'to_invoice', 'invoiced')),
    customer_id      UUID REFERENCES customers(id) ON DELETE SET NULL,
    currency_id      UUID REFERENCES currencies(id) ON DELETE SET NULL,
    user_id          UUID REFERENCES users(id) ON DELETE SET NULL,
    department_id    UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    tax_type         VARCHAR,
    invoice_format   VARCHAR,
    carrier_type     VARCHAR,
    delivery_method  VARCHAR,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_orders_tenant_created_idx ON sale_orders (tenant_id, created_at DESC, id DESC);
CREATE INDEX sale_orders_customer_id_idx ON sale_orders (customer_id);
CREATE INDEX sale_orders_currency_id_idx ON sale_orders (currency_id);
CREATE INDEX sale_orders_user_id_idx ON sale_orders (user_id);
CREATE INDEX sale_orders_department_id_idx ON sale_orders (department_id);

-- sale_order_lines: 銷售訂單明細 [§7.4]
CREATE TABLE sale_order_lines (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    order_id         UUID NOT NULL REFERENCES sale_orders(id) ON DELETE CASCADE,
    name             TEXT,
    product_id       UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_uom_qty  NUMERIC(16,4) DEFAULT 0,
    qty_delivered    NUMERIC(16,4) DEFAULT 0,
    qty_invoiced     NUMERIC(16,4) DEFAULT 0,
    price_unit       NUMERIC(16,2) DEFAULT 0,
    discount         NUMERIC(5,2) DEFAULT 0,
    price_subtotal   NUMERIC(16,2) DEFAULT 0,
    price_total      NUMERIC(16,2) DEFAULT 0,
    tax_id           UUID REFERENCES account_taxes(id) ON DELETE SET NULL,
    delivery_date    DATE,
    invoice_status   VARCHAR NOT NULL DEFAULT 'no' CHECK (invoice_status IN ('no', 'to_invoice', 'invoiced')),
    display_type     VARCHAR CHECK (display_type IN ('line_section', 'line_note')),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_order_lines_tenant_created_idx ON sale_order_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX sale_order_lines_order_id_idx ON sale_order_lines (order_id);
CREATE INDEX sale_order_lines_product_id_idx ON sale_order_lines (product_id);
CREATE INDEX sale_order_lines_tax_id_idx ON sale_order_lines (tax_id);

-- ════════ Purchases (§7.5, §10.5) ════════

-- purchase_requisitions: 採購協議 [§10.5]
CREATE TABLE purchase_requisitions (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR,
    requisition_type  VARCHAR NOT NULL DEFAULT 'purchase' CHECK (requisition_type IN ('purchase', 'blanket_order')),
    state             VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'ongoing', 'in_progress', 'open', 'done', 'cancel')),
    supplier_id       UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    user_id           UUID REFERENCES users(id) ON DELETE SET NULL,
    currency_id       UUID REFERENCES currencies(id) ON DELETE SET NULL,
    date_start        DATE,
    date_end          DATE,
    origin            VARCHAR,
    description       TEXT,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX purchase_requisitions_tenant_created_idx ON purchase_requisitions (tenant_id, created_at DESC, id DESC);
CREATE INDEX purchase_requisitions_supplier_id_idx ON purchase_requisitions (supplier_id);
CREATE INDEX purchase_requisitions_user_id_idx ON purchase_requisitions (user_id);
CREATE INDEX purchase_requisitions_currency_id_idx ON purchase_requisitions (currency_id);

-- purchase_orders: 採購訂單 [§7.5]
CREATE TABLE purchase_orders (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR,
    state           VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent', 'purchase', 'done', 'cancel')),
    date_order      DATE,
    date_planned    DATE,
    amount_untaxed  NUMERIC(16,2) DEFAULT 0,
    amount_tax      NUMERIC(16,2) DEFAULT 0,
    amount_total    NUMERIC(16,2) DEFAULT 0,
    supplier_id     UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    currency_id     UUID REFERENCES currencies(id) ON DELETE SET NULL,
    user_id         UUID REFERENCES users(id) ON DELETE SET NULL,
    notes           TEXT,
    origin          VARCHAR,
    invoice_status  VARCHAR NOT NULL DEFAULT 'no' CHECK (invoice_status IN ('no', 'to_invoice', 'invoiced')),
    tax_type        VARCHAR,
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX purchase_orders_tenant_created_idx ON purchase_orders (tenant_id, created_at DESC, id DESC);
CREATE INDEX purchase_orders_supplier_id_idx ON purchase_orders (supplier_id);
CREATE INDEX purchase_orders_currency_id_idx ON purchase_orders (currency_id);
CREATE INDEX purchase_orders_user_id_idx ON purchase_orders (user_id);

-- purchase_order_lines: 採購訂單明細 [§7.5]
CREATE TABLE purchase_order_lines (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    order_id        UUID NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    product_id      UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_qty     NUMERIC(16,4) DEFAULT 0,
    qty_received    NUMERIC(16,4) DEFAULT 0,
    price_unit      NUMERIC(16,2) DEFAULT 0,
    price_subtotal  NUMERIC(16,2) DEFAULT 0,
    price_total     NUMERIC(16,2) DEFAULT 0,
    tax_id          UUID REFERENCES account_taxes(id) ON DELETE SET NULL,
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX purchase_order_lines_tenant_created_idx ON purchase_order_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX purchase_order_lines_order_id_idx ON purchase_order_lines (order_id);
CREATE INDEX purchase_order_lines_product_id_idx ON purchase_order_lines (product_id);
CREATE INDEX purchase_order_lines_tax_id_idx ON purchase_order_lines (tax_id);

-- ════════ Accounting (§7.6, §10.6), continued ════════

-- account_moves: 會計傳票/發票 [§7.6]
CREATE TABLE account_moves (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR,
    move_type          VARCHAR NOT NULL DEFAULT 'entry' CHECK (move_type IN ('entry', 'out_invoice', 'out_refund', 'in_invoice', 'in_refund', 'out_receipt', 'in_receipt')),
    state              VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'posted', 'cancel')),
    date               DATE,
    invoice_date       DATE,
    invoice_date_due   DATE,
    customer_id        UUID REFERENCES customers(id) ON DELETE SET NULL,
    supplier_id        UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    currency_id        UUID REFERENCES currencies(id) ON DELETE SET NULL,
    journal_id         UUID REFERENCES account_journals(id) ON DELETE SET NULL,
    amount_untaxed     NUMERIC(16,2) DEFAULT 0,
    amount_tax         NUMERIC(16,2) DEFAULT 0,
    amount_total       NUMERIC(16,2) DEFAULT 0,
    amount_residual    NUMERIC(16,2) DEFAULT 0,
    payment_state      VARCHAR NOT NULL DEFAULT 'not_paid' CHECK (payment_state IN ('not_paid', 'partial', 'paid', 'reversed', 'invoicing_legacy', 'in_payment')),
    voucher_number     VARCHAR,
    journal_type       VARCHAR,
    voucher_type       VARCHAR,
    settlement_status  VARCHAR,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_moves_tenant_created_idx ON account_moves (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_moves_customer_id_idx ON account_moves (customer_id);
CREATE INDEX account_moves_supplier_id_idx ON account_moves (supplier_id);
CREATE INDEX account_moves_currency_id_idx ON account_moves (currency_id);
CREATE INDEX account_moves_journal_id_idx ON account_moves (journal_id);

-- account_move_lines: 傳票明細行 [§7.6]
CREATE TABLE account_move_lines (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    move_id      UUID NOT NULL REFERENCES account_moves(id) ON DELETE CASCADE,
    name         VARCHAR,
    quantity     NUMERIC(16,4),
    price_unit   NUMERIC(16,2),
    debit        NUMERIC(16,2) DEFAULT 0,
    credit       NUMERIC(16,2) DEFAULT 0,
    balance      NUMERIC(16,2) DEFAULT 0,
    account_id   UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    tax_rate     NUMERIC(5,2),
    tax_amount   NUMERIC(16,2),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_move_lines_tenant_created_idx ON account_move_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_move_lines_move_id_idx ON account_move_lines (move_id);
CREATE INDEX account_move_lines_account_id_idx ON account_move_lines (account_id);

-- account_payments: 收付款 [§7.6, named without columns]
CREATE TABLE account_payments (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          VARCHAR,
    payment_type  VARCHAR,
    partner_type  VARCHAR,
    state         VARCHAR,
    date          DATE,
    amount        NUMERIC(16,2) DEFAULT 0,
    customer_id   UUID REFERENCES customers(id) ON DELETE SET NULL,
    supplier_id   UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    currency_id   UUID REFERENCES currencies(id) ON DELETE SET NULL,
    journal_id    UUID REFERENCES account_journals(id) ON DELETE SET NULL,
    move_id       UUID REFERENCES account_moves(id) ON DELETE SET NULL,
    ref           VARCHAR,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_payments_tenant_created_idx ON account_payments (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_payments_customer_id_idx ON account_payments (customer_id);
CREATE INDEX account_payments_supplier_id_idx ON account_payments (supplier_id);
CREATE INDEX account_payments_currency_id_idx ON account_payments (currency_id);
CREATE INDEX account_payments_journal_id_idx ON account_payments (journal_id);
CREATE INDEX account_payments_move_id_idx ON account_payments (move_id);

-- account_bank_statements: 銀行對帳單 [§7.6, named without columns]
CREATE TABLE account_bank_statements (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           VARCHAR,
    date           DATE,
    journal_id     UUID REFERENCES account_journals(id) ON DELETE SET NULL,
    balance_start  NUMERIC(16,2) DEFAULT 0,
    balance_end    NUMERIC(16,2) DEFAULT 0,
    note           TEXT,
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_bank_statements_tenant_created_idx ON account_bank_statements (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_bank_statements_journal_id_idx ON account_bank_statements (journal_id);

-- account_move_templates: 傳票範本 [§7.6, named without columns]
CREATE TABLE account_move_templates (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR NOT NULL,
    journal_id      UUID REFERENCES account_journals(id) ON DELETE SET NULL,
    move_type       VARCHAR,
    template_lines  JSONB,
    description     TEXT,
    active          BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX account_move_templates_tenant_created_idx ON account_move_templates (tenant_id, created_at DESC, id DESC);
CREATE INDEX account_move_templates_journal_id_idx ON account_move_templates (journal_id);

-- ════════ Stock (§7.7, §10.7), continued ════════

-- stock_picking_types: 揀貨類型 [§7.7, named without columns]
CREATE TABLE stock_picking_types (
    id                        UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id                 UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                      VARCHAR NOT NULL,
    code                      VARCHAR CHECK (code IN ('incoming', 'outgoing', 'internal', 'mrp_operation')),
    sequence_code             VARCHAR,
    sequence                  INTEGER DEFAULT 0,
    warehouse_id              UUID REFERENCES stock_warehouses(id) ON DELETE SET NULL,
    default_location_src_id   UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    default_location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    active                    BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data               JSONB DEFAULT '{}',
    created_at                TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_picking_types_tenant_created_idx ON stock_picking_types (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_picking_types_warehouse_id_idx ON stock_picking_types (warehouse_id);
CREATE INDEX stock_picking_types_default_location_src_id_idx ON stock_picking_types (default_location_src_id);
CREATE INDEX stock_picking_types_default_location_dest_id_idx ON stock_picking_types (default_location_dest_id);

-- stock_lots: 批號/序號 [§7.7, named without columns]
CREATE TABLE stock_lots (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR NOT NULL,
    product_id       UUID NOT NULL REFERENCES product_products(id) ON DELETE CASCADE,
    ref              VARCHAR,
    expiration_date  DATE,
    note             TEXT,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_lots_tenant_created_idx ON stock_lots (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_lots_product_id_idx ON stock_lots (product_id);

-- stock_packages: 包裹 [§7.7, named without columns]
CREATE TABLE stock_packages (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR NOT NULL,
    location_id      UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    package_type     VARCHAR,
    shipping_weight  NUMERIC(16,4),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_packages_tenant_created_idx ON stock_packages (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_packages_location_id_idx ON stock_packages (location_id);

-- stock_pickings: 揀貨單/調撥單 [§7.7]
CREATE TABLE stock_pickings (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR,
    state             VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel')),
    origin            VARCHAR,
    picking_type_id   UUID REFERENCES stock_picking_types(id) ON DELETE SET NULL,
    location_id       UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    customer_id       UUID REFERENCES customers(id) ON DELETE SET NULL,
    supplier_id       UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    sale_id           UUID REFERENCES sale_orders(id) ON DELETE SET NULL,
    purchase_id       UUID REFERENCES purchase_orders(id) ON DELETE SET NULL,
    priority          VARCHAR NOT NULL DEFAULT '0' CHECK (priority IN ('0', '1')),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_pickings_tenant_created_idx ON stock_pickings (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_pickings_picking_type_id_idx ON stock_pickings (picking_type_id);
CREATE INDEX stock_pickings_location_id_idx ON stock_pickings (location_id);
CREATE INDEX stock_pickings_location_dest_id_idx ON stock_pickings (location_dest_id);
CREATE INDEX stock_pickings_customer_id_idx ON stock_pickings (customer_id);
CREATE INDEX stock_pickings_supplier_id_idx ON stock_pickings (supplier_id);
CREATE INDEX stock_pickings_sale_id_idx ON stock_pickings (sale_id);
CREATE INDEX stock_pickings_purchase_id_idx ON stock_pickings (purchase_id);

-- stock_moves: 庫存移動 [§7.7]
CREATE TABLE stock_moves (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              TEXT,
    state             VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'waiting', 'confirmed', 'partially_available', 'assigned', 'done', 'cancel')),
    product_id        UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_uom_qty   NUMERIC(16,4) DEFAULT 0,
    quantity          NUMERIC(16,4) DEFAULT 0,
    location_id       UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    picking_id        UUID REFERENCES stock_pickings(id) ON DELETE SET NULL,
    procure_method    VARCHAR NOT NULL DEFAULT 'make_to_stock' CHECK (procure_method IN ('make_to_stock', 'make_to_order')),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_moves_tenant_created_idx ON stock_moves (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_moves_product_id_idx ON stock_moves (product_id);
CREATE INDEX stock_moves_location_id_idx ON stock_moves (location_id);
CREATE INDEX stock_moves_location_dest_id_idx ON stock_moves (location_dest_id);
CREATE INDEX stock_moves_picking_id_idx ON stock_moves (picking_id);

-- stock_move_lines: 庫存移動明細 [§7.7, named without columns]
CREATE TABLE stock_move_lines (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    move_id           UUID NOT NULL REFERENCES stock_moves(id) ON DELETE CASCADE,
    picking_id        UUID REFERENCES stock_pickings(id) ON DELETE SET NULL,
    product_id        UUID REFERENCES product_products(id) ON DELETE SET NULL,
    lot_id            UUID REFERENCES stock_lots(id) ON DELETE SET NULL,
    package_id        UUID REFERENCES stock_packages(id) ON DELETE SET NULL,
    location_id       UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    quantity          NUMERIC(16,4) DEFAULT 0,
    state             VARCHAR,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_move_lines_tenant_created_idx ON stock_move_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_move_lines_move_id_idx ON stock_move_lines (move_id);
CREATE INDEX stock_move_lines_picking_id_idx ON stock_move_lines (picking_id);
CREATE INDEX stock_move_lines_product_id_idx ON stock_move_lines (product_id);
CREATE INDEX stock_move_lines_lot_id_idx ON stock_move_lines (lot_id);
CREATE INDEX stock_move_lines_package_id_idx ON stock_move_lines (package_id);
CREATE INDEX stock_move_lines_location_id_idx ON stock_move_lines (location_id);
CREATE INDEX stock_move_lines_location_dest_id_idx ON stock_move_lines (location_dest_id);

-- stock_quants: 庫存量 [§7.7]
CREATE TABLE stock_quants (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    product_id         UUID REFERENCES product_products(id) ON DELETE SET NULL,
    location_id        UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    lot_id             UUID REFERENCES stock_lots(id) ON DELETE SET NULL,
    quantity           NUMERIC(16,4) DEFAULT 0,
    reserved_quantity  NUMERIC(16,4) DEFAULT 0,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_quants_tenant_created_idx ON stock_quants (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_quants_product_id_idx ON stock_quants (product_id);
CREATE INDEX stock_quants_location_id_idx ON stock_quants (location_id);
CREATE INDEX stock_quants_lot_id_idx ON stock_quants (lot_id);

-- stock_routes: 庫存路線 [§7.7, named without columns]
CREATE TABLE stock_routes (
    id                    UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id             UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                  VARCHAR NOT NULL,
    sequence              INTEGER DEFAULT 0,
    product_selectable    BOOLEAN NOT NULL DEFAULT 1 CHECK (product_selectable IN (0, 1)),
    warehouse_selectable  BOOLEAN NOT NULL DEFAULT 0 CHECK (warehouse_selectable IN (0, 1)),
    active                BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data           JSONB DEFAULT '{}',
    created_at            TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_routes_tenant_created_idx ON stock_routes (tenant_id, created_at DESC, id DESC);

-- stock_rules: 庫存規則 [§7.7, named without columns]
CREATE TABLE stock_rules (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR NOT NULL,
    route_id          UUID NOT NULL REFERENCES stock_routes(id) ON DELETE CASCADE,
    action            VARCHAR NOT NULL DEFAULT 'pull' CHECK (action IN ('pull', 'push', 'pull_push', 'buy', 'manufacture')),
    procure_method    VARCHAR NOT NULL DEFAULT 'make_to_stock' CHECK (procure_method IN ('make_to_stock', 'make_to_order')),
    location_src_id   UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    picking_type_id   UUID REFERENCES stock_picking_types(id) ON DELETE SET NULL,
    warehouse_id      UUID REFERENCES stock_warehouses(id) ON DELETE SET NULL,
    delay             INTEGER DEFAULT 0,
    sequence          INTEGER DEFAULT 0,
    active            BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_rules_tenant_created_idx ON stock_rules (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_rules_route_id_idx ON stock_rules (route_id);
CREATE INDEX stock_rules_location_src_id_idx ON stock_rules (location_src_id);
CREATE INDEX stock_rules_location_dest_id_idx ON stock_rules (location_dest_id);
CREATE INDEX stock_rules_picking_type_id_idx ON stock_rules (picking_type_id);
CREATE INDEX stock_rules_warehouse_id_idx ON stock_rules (warehouse_id);

-- stock_scraps: 報廢單 [§7.7, named without columns]
CREATE TABLE stock_scraps (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR,
    product_id         UUID REFERENCES product_products(id) ON DELETE SET NULL,
    lot_id             UUID REFERENCES stock_lots(id) ON DELETE SET NULL,
    scrap_qty          NUMERIC(16,4) DEFAULT 0,
    location_id        UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    scrap_location_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    picking_id         UUID REFERENCES stock_pickings(id) ON DELETE SET NULL,
    state              VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'done')),
    scrap_reason       VARCHAR,
    date_done          TIMESTAMPTZ,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_scraps_tenant_created_idx ON stock_scraps (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_scraps_product_id_idx ON stock_scraps (product_id);
CREATE INDEX stock_scraps_lot_id_idx ON stock_scraps (lot_id);
CREATE INDEX stock_scraps_location_id_idx ON stock_scraps (location_id);
CREATE INDEX stock_scraps_scrap_location_id_idx ON stock_scraps (scrap_location_id);
CREATE INDEX stock_scraps_picking_id_idx ON stock_scraps (picking_id);

-- stock_warehouse_orderpoints: 補貨規則 [§7.7, named without columns]
CREATE TABLE stock_warehouse_orderpoints (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    product_id       UUID REFERENCES product_products(id) ON DELETE SET NULL,
    warehouse_id     UUID REFERENCES stock_warehouses(id) ON DELETE SET NULL,
    location_id      UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    product_min_qty  NUMERIC(16,4) DEFAULT 0,
    product_max_qty  NUMERIC(16,4) DEFAULT 0,
    qty_multiple     NUMERIC(16,4) DEFAULT 1,
    active           BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_warehouse_orderpoints_tenant_created_idx ON stock_warehouse_orderpoints (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_warehouse_orderpoints_product_id_idx ON stock_warehouse_orderpoints (product_id);
CREATE INDEX stock_warehouse_orderpoints_warehouse_id_idx ON stock_warehouse_orderpoints (warehouse_id);
CREATE INDEX stock_warehouse_orderpoints_location_id_idx ON stock_warehouse_orderpoints (location_id);

-- stock_landed_costs: 到岸成本 [§7.7, named without columns]
CREATE TABLE stock_landed_costs (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    date             DATE,
    state            VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'done', 'cancel')),
    amount_total     NUMERIC(16,2) DEFAULT 0,
    picking_id       UUID REFERENCES stock_pickings(id) ON DELETE SET NULL,
    account_move_id  UUID REFERENCES account_moves(id) ON DELETE SET NULL,
    description      TEXT,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_landed_costs_tenant_created_idx ON stock_landed_costs (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_landed_costs_picking_id_idx ON stock_landed_costs (picking_id);
CREATE INDEX stock_landed_costs_account_move_id_idx ON stock_landed_costs (account_move_id);

-- stock_landed_cost_lines: 到岸成本明細 [§10.7]
CREATE TABLE stock_landed_cost_lines (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cost_id       UUID NOT NULL REFERENCES stock_landed_costs(id) ON DELETE CASCADE,
    name          VARCHAR,
    product_id    UUID REFERENCES product_products(id) ON DELETE SET NULL,
    split_method  VARCHAR NOT NULL DEFAULT 'equal' CHECK (split_method IN ('equal', 'by_quantity', 'by_current_cost_price', 'by_weight', 'by_volume')),
    price_unit    NUMERIC(16,2) DEFAULT 0,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_landed_cost_lines_tenant_created_idx ON stock_landed_cost_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_landed_cost_lines_cost_id_idx ON stock_landed_cost_lines (cost_id);
CREATE INDEX stock_landed_cost_lines_product_id_idx ON stock_landed_cost_lines (product_id);

-- stock_picking_batches: 批次揀貨 [§7.7, named without columns]
CREATE TABLE stock_picking_batches (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    state            VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in_progress', 'done', 'cancel')),
    user_id          UUID REFERENCES users(id) ON DELETE SET NULL,
    picking_type_id  UUID REFERENCES stock_picking_types(id) ON DELETE SET NULL,
    scheduled_date   DATE,
    description      TEXT,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX stock_picking_batches_tenant_created_idx ON stock_picking_batches (tenant_id, created_at DESC, id DESC);
CREATE INDEX stock_picking_batches_user_id_idx ON stock_picking_batches (user_id);
CREATE INDEX stock_picking_batches_picking_type_id_idx ON stock_picking_batches (picking_type_id);

-- delivery_carriers: 物流方式 [§7.7, named without columns]
CREATE TABLE delivery_carriers (
    id                     UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id              UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                   VARCHAR NOT NULL,
    delivery_type          VARCHAR NOT NULL DEFAULT 'fixed' CHECK (delivery_type IN ('fixed', 'base_on_rule')),
    fixed_price            NUMERIC(16,2) DEFAULT 0,
    free_over              BOOLEAN NOT NULL DEFAULT 0 CHECK (free_over IN (0, 1)),
    amount_free_threshold  NUMERIC(16,2),
    product_id             UUID REFERENCES product_products(id) ON DELETE SET NULL,
    active                 BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data            JSONB DEFAULT '{}',
    created_at             TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX delivery_carriers_tenant_created_idx ON delivery_carriers (tenant_id, created_at DESC, id DESC);
CREATE INDEX delivery_carriers_product_id_idx ON delivery_carriers (product_id);

-- inventory_check_batches: 盤點單 [§7.7, named without columns]
CREATE TABLE inventory_check_batches (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR,
    state        VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'done')),
    location_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    date         DATE,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    note         TEXT,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX inventory_check_batches_tenant_created_idx ON inventory_check_batches (tenant_id, created_at DESC, id DESC);
CREATE INDEX inventory_check_batches_location_id_idx ON inventory_check_batches (location_id);
CREATE INDEX inventory_check_batches_user_id_idx ON inventory_check_batches (user_id);

-- inventory_check_items: 盤點明細 [§7.7, named without columns]
CREATE TABLE inventory_check_items (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    batch_id         UUID NOT NULL REFERENCES inventory_check_batches(id) ON DELETE CASCADE,
    product_id       UUID REFERENCES product_products(id) ON DELETE SET NULL,
    lot_id           UUID REFERENCES stock_lots(id) ON DELETE SET NULL,
    location_id      UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    theoretical_qty  NUMERIC(16,4) DEFAULT 0,
    counted_qty      NUMERIC(16,4),
    difference_qty   NUMERIC(16,4),
    note             TEXT,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX inventory_check_items_tenant_created_idx ON inventory_check_items (tenant_id, created_at DESC, id DESC);
CREATE INDEX inventory_check_items_batch_id_idx ON inventory_check_items (batch_id);
CREATE INDEX inventory_check_items_product_id_idx ON inventory_check_items (product_id);
CREATE INDEX inventory_check_items_lot_id_idx ON inventory_check_items (lot_id);
CREATE INDEX inventory_check_items_location_id_idx ON inventory_check_items (location_id);

-- inventory_converts: 庫存轉換 [§7.7, named without columns]
CREATE TABLE inventory_converts (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR,
    state              VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'done')),
    source_product_id  UUID REFERENCES product_products(id) ON DELETE SET NULL,
    source_qty         NUMERIC(16,4),
    dest_product_id    UUID REFERENCES product_products(id) ON DELETE SET NULL,
    dest_qty           NUMERIC(16,4),
    location_id        UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    date               DATE,
    note               TEXT,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX inventory_converts_tenant_created_idx ON inventory_converts (tenant_id, created_at DESC, id DESC);
CREATE INDEX inventory_converts_source_product_id_idx ON inventory_converts (source_product_id);
CREATE INDEX inventory_converts_dest_product_id_idx ON inventory_converts (dest_product_id);
CREATE INDEX inventory_converts_location_id_idx ON inventory_converts (location_id);

-- freight_groups: 運費群組 [§7.7, named without columns]
CREATE TABLE freight_groups (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR NOT NULL,
    mode            VARCHAR NOT NULL DEFAULT 'fixed' CHECK (mode IN ('fixed', 'tiered', 'free')),
    fixed_amount    NUMERIC(16,2) DEFAULT 0,
    free_threshold  NUMERIC(16,2),
    note            TEXT,
    active          BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX freight_groups_tenant_created_idx ON freight_groups (tenant_id, created_at DESC, id DESC);

-- freight_group_tiers: 運費級距 [§7.7, named without columns]
CREATE TABLE freight_group_tiers (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    group_id     UUID NOT NULL REFERENCES freight_groups(id) ON DELETE CASCADE,
    min_amount   NUMERIC(16,2) DEFAULT 0,
    max_amount   NUMERIC(16,2),
    fee          NUMERIC(16,2) DEFAULT 0,
    sequence     INTEGER DEFAULT 0,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX freight_group_tiers_tenant_created_idx ON freight_group_tiers (tenant_id, created_at DESC, id DESC);
CREATE INDEX freight_group_tiers_group_id_idx ON freight_group_tiers (group_id);

-- ════════ CRM (§7.8, §10.8) ════════

-- crm_teams: 銷售團隊 [§7.8, named without columns]
CREATE TABLE crm_teams (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    description  TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_teams_tenant_created_idx ON crm_teams (tenant_id, created_at DESC, id DESC);
CREATE INDEX crm_teams_user_id_idx ON crm_teams (user_id);

-- crm_team_members: 銷售團隊成員 [§7.8, named without columns]
CREATE TABLE crm_team_members (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    team_id      UUID NOT NULL REFERENCES crm_teams(id) ON DELETE CASCADE,
    user_id      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (team_id, user_id)
);
CREATE INDEX crm_team_members_tenant_created_idx ON crm_team_members (tenant_id, created_at DESC, id DESC);
CREATE INDEX crm_team_members_team_id_idx ON crm_team_members (team_id);
CREATE INDEX crm_team_members_user_id_idx ON crm_team_members (user_id);

-- crm_stages: 商機階段 [§7.8, named without columns]
CREATE TABLE crm_stages (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    sequence     INTEGER DEFAULT 0,
    is_won       BOOLEAN NOT NULL DEFAULT 0 CHECK (is_won IN (0, 1)),
    fold         BOOLEAN NOT NULL DEFAULT 0 CHECK (fold IN (0, 1)),
    team_id      UUID REFERENCES crm_teams(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_stages_tenant_created_idx ON crm_stages (tenant_id, created_at DESC, id DESC);
CREATE INDEX crm_stages_team_id_idx ON crm_stages (team_id);

-- crm_lost_reasons: 流失原因 [§7.8, named without columns]
CREATE TABLE crm_lost_reasons (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_lost_reasons_tenant_created_idx ON crm_lost_reasons (tenant_id, created_at DESC, id DESC);

-- crm_tags: CRM 標籤 [§7.8, named without columns]
CREATE TABLE crm_tags (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    color        VARCHAR,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_tags_tenant_created_idx ON crm_tags (tenant_id, created_at DESC, id DESC);

-- crm_recurring_plans: 定期收入方案 [§7.8, named without columns]
CREATE TABLE crm_recurring_plans (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR NOT NULL,
    number_of_months  INTEGER DEFAULT 1,
    sequence          INTEGER DEFAULT 0,
    active            BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_recurring_plans_tenant_created_idx ON crm_recurring_plans (tenant_id, created_at DESC, id DESC);

-- crm_leads: 商機 [§7.8]
CREATE TABLE crm_leads (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR NOT NULL,
    type              VARCHAR NOT NULL DEFAULT 'lead' CHECK (type IN ('lead', 'opportunity')),
    active            BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    priority          VARCHAR NOT NULL DEFAULT '0' CHECK (priority IN ('0', '1', '2', '3')),
    stage_id          UUID REFERENCES crm_stages(id) ON DELETE SET NULL,
    probability       DOUBLE PRECISION,
    expected_revenue  NUMERIC(16,2) DEFAULT 0,
    customer_id       UUID REFERENCES customers(id) ON DELETE SET NULL,
    contact_name      VARCHAR,
    email_from        VARCHAR,
    phone             VARCHAR,
    user_id           UUID REFERENCES users(id) ON DELETE SET NULL,
    team_id           UUID REFERENCES crm_teams(id) ON DELETE SET NULL,
    date_deadline     DATE,
    description       TEXT,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_leads_tenant_created_idx ON crm_leads (tenant_id, created_at DESC, id DESC);
CREATE INDEX crm_leads_stage_id_idx ON crm_leads (stage_id);
CREATE INDEX crm_leads_customer_id_idx ON crm_leads (customer_id);
CREATE INDEX crm_leads_user_id_idx ON crm_leads (user_id);
CREATE INDEX crm_leads_team_id_idx ON crm_leads (team_id);

-- crm_activities: CRM 活動 [§7.8, named without columns]
CREATE TABLE crm_activities (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lead_id        UUID REFERENCES crm_leads(id) ON DELETE SET NULL,
    customer_id    UUID REFERENCES customers(id) ON DELETE SET NULL,
    activity_type  VARCHAR NOT NULL DEFAULT 'todo' CHECK (activity_type IN ('email', 'call', 'meeting', 'todo')),
    state          VARCHAR NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'done', 'overdue', 'cancelled')),
    summary        VARCHAR,
    note           TEXT,
    date_deadline  DATE,
    date_done      TIMESTAMPTZ,
    user_id        UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crm_activities_tenant_created_idx ON crm_activities (tenant_id, created_at DESC, id DESC);
CREATE INDEX crm_activities_lead_id_idx ON crm_activities (lead_id);
CREATE INDEX crm_activities_customer_id_idx ON crm_activities (customer_id);
CREATE INDEX crm_activities_user_id_idx ON crm_activities (user_id);

-- ════════ Manufacturing (§7.10, §10.10) ════════

-- mrp_workcenters: 工作中心 [§7.10, named without columns]
CREATE TABLE mrp_workcenters (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR NOT NULL,
    code             VARCHAR,
    time_efficiency  DOUBLE PRECISION DEFAULT 100,
    capacity         DOUBLE PRECISION DEFAULT 1,
    costs_hour       NUMERIC(16,2) DEFAULT 0,
    time_start       DOUBLE PRECISION DEFAULT 0,
    time_stop        DOUBLE PRECISION DEFAULT 0,
    note             TEXT,
    active           BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_workcenters_tenant_created_idx ON mrp_workcenters (tenant_id, created_at DESC, id DESC);

-- mrp_boms: 物料清單 [§7.10, named without columns]
CREATE TABLE mrp_boms (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    product_tmpl_id   UUID NOT NULL REFERENCES product_templates(id) ON DELETE CASCADE,
    product_id        UUID REFERENCES product_products(id) ON DELETE SET NULL,
    code              VARCHAR,
    type              VARCHAR NOT NULL DEFAULT 'normal' CHECK (type IN ('normal', 'phantom', 'subcontracting')),
    ready_to_produce  VARCHAR NOT NULL DEFAULT 'all_available' CHECK (ready_to_produce IN ('all_available', 'asap')),
    product_qty       NUMERIC(16,4) DEFAULT 1,
    uom_id            UUID REFERENCES uom_uom(id) ON DELETE SET NULL,
    active            BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_boms_tenant_created_idx ON mrp_boms (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_boms_product_tmpl_id_idx ON mrp_boms (product_tmpl_id);
CREATE INDEX mrp_boms_product_id_idx ON mrp_boms (product_id);
CREATE INDEX mrp_boms_uom_id_idx ON mrp_boms (uom_id);

-- mrp_bom_lines: 物料清單明細 [§7.10, named without columns]
CREATE TABLE mrp_bom_lines (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    bom_id       UUID NOT NULL REFERENCES mrp_boms(id) ON DELETE CASCADE,
    product_id   UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_qty  NUMERIC(16,4) DEFAULT 1,
    uom_id       UUID REFERENCES uom_uom(id) ON DELETE SET NULL,
    sequence     INTEGER DEFAULT 0,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_bom_lines_tenant_created_idx ON mrp_bom_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_bom_lines_bom_id_idx ON mrp_bom_lines (bom_id);
CREATE INDEX mrp_bom_lines_product_id_idx ON mrp_bom_lines (product_id);
CREATE INDEX mrp_bom_lines_uom_id_idx ON mrp_bom_lines (uom_id);

-- mrp_bom_byproducts: 副產品 [§7.10, named without columns]
CREATE TABLE mrp_bom_byproducts (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    bom_id       UUID NOT NULL REFERENCES mrp_boms(id) ON DELETE CASCADE,
    product_id   UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_qty  NUMERIC(16,4) DEFAULT 1,
    uom_id       UUID REFERENCES uom_uom(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_bom_byproducts_tenant_created_idx ON mrp_bom_byproducts (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_bom_byproducts_bom_id_idx ON mrp_bom_byproducts (bom_id);
CREATE INDEX mrp_bom_byproducts_product_id_idx ON mrp_bom_byproducts (product_id);
CREATE INDEX mrp_bom_byproducts_uom_id_idx ON mrp_bom_byproducts (uom_id);

-- mrp_routing_workcenters: 製程作業 [§7.10, named without columns]
CREATE TABLE mrp_routing_workcenters (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    bom_id             UUID NOT NULL REFERENCES mrp_boms(id) ON DELETE CASCADE,
    workcenter_id      UUID REFERENCES mrp_workcenters(id) ON DELETE SET NULL,
    name               VARCHAR NOT NULL,
    sequence           INTEGER DEFAULT 0,
    time_mode          VARCHAR NOT NULL DEFAULT 'manual' CHECK (time_mode IN ('auto', 'manual')),
    time_cycle_manual  DOUBLE PRECISION DEFAULT 0,
    note               TEXT,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_routing_workcenters_tenant_created_idx ON mrp_routing_workcenters (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_routing_workcenters_bom_id_idx ON mrp_routing_workcenters (bom_id);
CREATE INDEX mrp_routing_workcenters_workcenter_id_idx ON mrp_routing_workcenters (workcenter_id);

-- mrp_productions: 生產訂單 [§7.10]
CREATE TABLE mrp_productions (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR,
    product_id      UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_qty     DOUBLE PRECISION DEFAULT 1,
    qty_produced    DOUBLE PRECISION DEFAULT 0,
    state           VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed', 'progress', 'to_close', 'done', 'cancel')),
    bom_id          UUID REFERENCES mrp_boms(id) ON DELETE SET NULL,
    date_start      TIMESTAMPTZ,
    date_finished   TIMESTAMPTZ,
    user_id         UUID REFERENCES users(id) ON DELETE SET NULL,
    is_subcontract  BOOLEAN NOT NULL DEFAULT 0 CHECK (is_subcontract IN (0, 1)),
    priority        VARCHAR NOT NULL DEFAULT '0' CHECK (priority IN ('0', '1')),
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_productions_tenant_created_idx ON mrp_productions (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_productions_product_id_idx ON mrp_productions (product_id);
CREATE INDEX mrp_productions_bom_id_idx ON mrp_productions (bom_id);
CREATE INDEX mrp_productions_user_id_idx ON mrp_productions (user_id);

-- mrp_workorders: 工單 [§7.10, named without columns]
CREATE TABLE mrp_workorders (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    production_id      UUID NOT NULL REFERENCES mrp_productions(id) ON DELETE CASCADE,
    workcenter_id      UUID REFERENCES mrp_workcenters(id) ON DELETE SET NULL,
    operation_id       UUID REFERENCES mrp_routing_workcenters(id) ON DELETE SET NULL,
    name               VARCHAR,
    state              VARCHAR NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'waiting', 'ready', 'progress', 'done', 'cancel')),
    date_start         TIMESTAMPTZ,
    date_finished      TIMESTAMPTZ,
    duration_expected  DOUBLE PRECISION DEFAULT 0,
    duration           DOUBLE PRECISION DEFAULT 0,
    qty_produced       DOUBLE PRECISION DEFAULT 0,
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_workorders_tenant_created_idx ON mrp_workorders (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_workorders_production_id_idx ON mrp_workorders (production_id);
CREATE INDEX mrp_workorders_workcenter_id_idx ON mrp_workorders (workcenter_id);
CREATE INDEX mrp_workorders_operation_id_idx ON mrp_workorders (operation_id);

-- mrp_unbuilds: 拆解單 [§7.10, named without columns]
CREATE TABLE mrp_unbuilds (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              VARCHAR,
    product_id        UUID REFERENCES product_products(id) ON DELETE SET NULL,
    product_qty       NUMERIC(16,4) DEFAULT 1,
    bom_id            UUID REFERENCES mrp_boms(id) ON DELETE SET NULL,
    production_id     UUID REFERENCES mrp_productions(id) ON DELETE SET NULL,
    lot_id            UUID REFERENCES stock_lots(id) ON DELETE SET NULL,
    location_id       UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    location_dest_id  UUID REFERENCES stock_locations(id) ON DELETE SET NULL,
    state             VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'done')),
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX mrp_unbuilds_tenant_created_idx ON mrp_unbuilds (tenant_id, created_at DESC, id DESC);
CREATE INDEX mrp_unbuilds_product_id_idx ON mrp_unbuilds (product_id);
CREATE INDEX mrp_unbuilds_bom_id_idx ON mrp_unbuilds (bom_id);
CREATE INDEX mrp_unbuilds_production_id_idx ON mrp_unbuilds (production_id);
CREATE INDEX mrp_unbuilds_lot_id_idx ON mrp_unbuilds (lot_id);
CREATE INDEX mrp_unbuilds_location_id_idx ON mrp_unbuilds (location_id);
CREATE INDEX mrp_unbuilds_location_dest_id_idx ON mrp_unbuilds (location_dest_id);

-- ════════ Projects (§7.11, §10.11) ════════

-- project_project_stages: 專案階段 [§7.11, named without columns]
CREATE TABLE project_project_stages (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    sequence     INTEGER DEFAULT 0,
    fold         BOOLEAN NOT NULL DEFAULT 0 CHECK (fold IN (0, 1)),
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_project_stages_tenant_created_idx ON project_project_stages (tenant_id, created_at DESC, id DESC);

-- project_task_types: 任務階段 [§7.11, named without columns]
CREATE TABLE project_task_types (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    sequence     INTEGER DEFAULT 0,
    fold         BOOLEAN NOT NULL DEFAULT 0 CHECK (fold IN (0, 1)),
    description  TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_task_types_tenant_created_idx ON project_task_types (tenant_id, created_at DESC, id DESC);

-- project_tags: 專案標籤 [§7.11, named without columns]
CREATE TABLE project_tags (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    color        VARCHAR,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_tags_tenant_created_idx ON project_tags (tenant_id, created_at DESC, id DESC);

-- project_roles: 專案角色 [§7.11, named without columns]
CREATE TABLE project_roles (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    description  TEXT,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_roles_tenant_created_idx ON project_roles (tenant_id, created_at DESC, id DESC);

-- project_projects: 專案 [§7.11]
CREATE TABLE project_projects (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                VARCHAR NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    description         TEXT,
    date_start          DATE,
    date                DATE,
    stage_id            UUID REFERENCES project_project_stages(id) ON DELETE SET NULL,
    customer_id         UUID REFERENCES customers(id) ON DELETE SET NULL,
    user_id             UUID REFERENCES users(id) ON DELETE SET NULL,
    task_count          INTEGER DEFAULT 0,
    privacy_visibility  VARCHAR NOT NULL DEFAULT 'portal' CHECK (privacy_visibility IN ('portal', 'employees', 'followers')),
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_projects_tenant_created_idx ON project_projects (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_projects_stage_id_idx ON project_projects (stage_id);
CREATE INDEX project_projects_customer_id_idx ON project_projects (customer_id);
CREATE INDEX project_projects_user_id_idx ON project_projects (user_id);

-- project_milestones: 里程碑 [§7.11, named without columns]
CREATE TABLE project_milestones (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id    UUID NOT NULL REFERENCES project_projects(id) ON DELETE CASCADE,
    name          VARCHAR NOT NULL,
    deadline      DATE,
    is_reached    BOOLEAN NOT NULL DEFAULT 0 CHECK (is_reached IN (0, 1)),
    reached_date  DATE,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_milestones_tenant_created_idx ON project_milestones (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_milestones_project_id_idx ON project_milestones (project_id);

-- project_tasks: 任務 [§7.11]
CREATE TABLE project_tasks (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR NOT NULL,
    state            VARCHAR NOT NULL DEFAULT '01_in_progress' CHECK (state IN ('01_in_progress', '1_done', '1_canceled', '04_waiting_normal', '03_approved', '02_changes_requested')),
    priority         VARCHAR NOT NULL DEFAULT '0' CHECK (priority IN ('0', '1')),
    description      TEXT,
    date_deadline    DATE,
    project_id       UUID REFERENCES project_projects(id) ON DELETE SET NULL,
    stage_id         UUID REFERENCES project_task_types(id) ON DELETE SET NULL,
    parent_id        UUID REFERENCES project_tasks(id) ON DELETE SET NULL,
    planned_hours    DOUBLE PRECISION DEFAULT 0,
    effective_hours  DOUBLE PRECISION DEFAULT 0,
    progress         DOUBLE PRECISION DEFAULT 0,
    kanban_state     VARCHAR NOT NULL DEFAULT 'normal' CHECK (kanban_state IN ('normal', 'done', 'blocked')),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_tasks_tenant_created_idx ON project_tasks (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_tasks_project_id_idx ON project_tasks (project_id);
CREATE INDEX project_tasks_stage_id_idx ON project_tasks (stage_id);
CREATE INDEX project_tasks_parent_id_idx ON project_tasks (parent_id);

-- project_collaborators: 專案協作者 [§7.11, named without columns]
CREATE TABLE project_collaborators (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id   UUID NOT NULL REFERENCES project_projects(id) ON DELETE CASCADE,
    customer_id  UUID REFERENCES customers(id) ON DELETE SET NULL,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    role_id      UUID REFERENCES project_roles(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_collaborators_tenant_created_idx ON project_collaborators (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_collaborators_project_id_idx ON project_collaborators (project_id);
CREATE INDEX project_collaborators_customer_id_idx ON project_collaborators (customer_id);
CREATE INDEX project_collaborators_user_id_idx ON project_collaborators (user_id);
CREATE INDEX project_collaborators_role_id_idx ON project_collaborators (role_id);

-- project_task_recurrences: 任務週期設定 [§7.11, named without columns]
CREATE TABLE project_task_recurrences (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    task_id          UUID NOT NULL REFERENCES project_tasks(id) ON DELETE CASCADE,
    repeat_interval  INTEGER DEFAULT 1,
    repeat_unit      VARCHAR NOT NULL DEFAULT 'week' CHECK (repeat_unit IN ('day', 'week', 'month', 'year')),
    repeat_type      VARCHAR NOT NULL DEFAULT 'forever' CHECK (repeat_type IN ('forever', 'until', 'after')),
    repeat_until     DATE,
    repeat_number    INTEGER,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_task_recurrences_tenant_created_idx ON project_task_recurrences (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_task_recurrences_task_id_idx ON project_task_recurrences (task_id);

-- project_updates: 專案進度更新 [§7.11, named without columns]
CREATE TABLE project_updates (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id   UUID NOT NULL REFERENCES project_projects(id) ON DELETE CASCADE,
    name         VARCHAR,
    status       VARCHAR NOT NULL DEFAULT 'on_track' CHECK (status IN ('on_track', 'at_risk', 'off_track', 'on_hold', 'done')),
    progress     DOUBLE PRECISION DEFAULT 0,
    date         DATE,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    description  TEXT,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX project_updates_tenant_created_idx ON project_updates (tenant_id, created_at DESC, id DESC);
CREATE INDEX project_updates_project_id_idx ON project_updates (project_id);
CREATE INDEX project_updates_user_id_idx ON project_updates (user_id);

-- ════════ HR (§7.9, §10.9), continued ════════

-- hr_attendances: 出勤紀錄 [§7.9, named without columns]
CREATE TABLE hr_attendances (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    employee_id       UUID NOT NULL REFERENCES hr_employees(id) ON DELETE CASCADE,
    check_in          TIMESTAMPTZ,
    check_out         TIMESTAMPTZ,
    worked_hours      DOUBLE PRECISION DEFAULT 0,
    work_location_id  UUID REFERENCES hr_work_locations(id) ON DELETE SET NULL,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_attendances_tenant_created_idx ON hr_attendances (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_attendances_employee_id_idx ON hr_attendances (employee_id);
CREATE INDEX hr_attendances_work_location_id_idx ON hr_attendances (work_location_id);

-- hr_leave_types: 假別 [§7.9, named without columns]
CREATE TABLE hr_leave_types (
    id                     UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id              UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                   VARCHAR NOT NULL,
    requires_allocation    VARCHAR,
    leave_validation_type  VARCHAR,
    time_type              VARCHAR,
    request_unit           VARCHAR,
    color                  VARCHAR,
    active                 BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data            JSONB DEFAULT '{}',
    created_at             TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_leave_types_tenant_created_idx ON hr_leave_types (tenant_id, created_at DESC, id DESC);

-- hr_leaves: 請假單 [§7.9, named without columns]
CREATE TABLE hr_leaves (
    id              UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            VARCHAR,
    employee_id     UUID NOT NULL REFERENCES hr_employees(id) ON DELETE CASCADE,
    leave_type_id   UUID REFERENCES hr_leave_types(id) ON DELETE SET NULL,
    state           VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirm', 'refuse', 'validate1', 'validate', 'cancel')),
    holiday_type    VARCHAR,
    date_from       TIMESTAMPTZ,
    date_to         TIMESTAMPTZ,
    number_of_days  DOUBLE PRECISION DEFAULT 0,
    department_id   UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    user_id         UUID REFERENCES users(id) ON DELETE SET NULL,
    note            TEXT,
    custom_data     JSONB DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_leaves_tenant_created_idx ON hr_leaves (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_leaves_employee_id_idx ON hr_leaves (employee_id);
CREATE INDEX hr_leaves_leave_type_id_idx ON hr_leaves (leave_type_id);
CREATE INDEX hr_leaves_department_id_idx ON hr_leaves (department_id);
CREATE INDEX hr_leaves_user_id_idx ON hr_leaves (user_id);

-- hr_leave_allocations: 休假額度 [§7.9, named without columns]
CREATE TABLE hr_leave_allocations (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    employee_id      UUID NOT NULL REFERENCES hr_employees(id) ON DELETE CASCADE,
    leave_type_id    UUID REFERENCES hr_leave_types(id) ON DELETE SET NULL,
    state            VARCHAR,
    allocation_type  VARCHAR,
    number_of_days   DOUBLE PRECISION DEFAULT 0,
    date_from        DATE,
    date_to          DATE,
    note             TEXT,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_leave_allocations_tenant_created_idx ON hr_leave_allocations (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_leave_allocations_employee_id_idx ON hr_leave_allocations (employee_id);
CREATE INDEX hr_leave_allocations_leave_type_id_idx ON hr_leave_allocations (leave_type_id);

-- hr_expense_sheets: 費用報告 [§7.9, named without columns]
CREATE TABLE hr_expense_sheets (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name             VARCHAR,
    employee_id      UUID REFERENCES hr_employees(id) ON DELETE SET NULL,
    state            VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submit', 'approve', 'post', 'done', 'cancel')),
    payment_state    VARCHAR,
    amount_total     NUMERIC(16,2) DEFAULT 0,
    currency_id      UUID REFERENCES currencies(id) ON DELETE SET NULL,
    account_move_id  UUID REFERENCES account_moves(id) ON DELETE SET NULL,
    user_id          UUID REFERENCES users(id) ON DELETE SET NULL,
    department_id    UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    accounting_date  DATE,
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_expense_sheets_tenant_created_idx ON hr_expense_sheets (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_expense_sheets_employee_id_idx ON hr_expense_sheets (employee_id);
CREATE INDEX hr_expense_sheets_currency_id_idx ON hr_expense_sheets (currency_id);
CREATE INDEX hr_expense_sheets_account_move_id_idx ON hr_expense_sheets (account_move_id);
CREATE INDEX hr_expense_sheets_user_id_idx ON hr_expense_sheets (user_id);
CREATE INDEX hr_expense_sheets_department_id_idx ON hr_expense_sheets (department_id);

-- hr_expenses: 費用 [§7.9, named without columns]
CREATE TABLE hr_expenses (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          VARCHAR,
    employee_id   UUID REFERENCES hr_employees(id) ON DELETE SET NULL,
    sheet_id      UUID REFERENCES hr_expense_sheets(id) ON DELETE SET NULL,
    product_id    UUID REFERENCES product_products(id) ON DELETE SET NULL,
    state         VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'reported', 'approved', 'done', 'refused')),
    payment_mode  VARCHAR,
    date          DATE,
    quantity      NUMERIC(16,4) DEFAULT 1,
    price_unit    NUMERIC(16,2) DEFAULT 0,
    amount_total  NUMERIC(16,2) DEFAULT 0,
    currency_id   UUID REFERENCES currencies(id) ON DELETE SET NULL,
    description   TEXT,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_expenses_tenant_created_idx ON hr_expenses (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_expenses_employee_id_idx ON hr_expenses (employee_id);
CREATE INDEX hr_expenses_sheet_id_idx ON hr_expenses (sheet_id);
CREATE INDEX hr_expenses_product_id_idx ON hr_expenses (product_id);
CREATE INDEX hr_expenses_currency_id_idx ON hr_expenses (currency_id);

-- hr_skill_types: 技能類型 [§7.9, named without columns]
CREATE TABLE hr_skill_types (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_skill_types_tenant_created_idx ON hr_skill_types (tenant_id, created_at DESC, id DESC);

-- hr_skills: 技能 [§7.9, named without columns]
CREATE TABLE hr_skills (
    id             UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    skill_type_id  UUID NOT NULL REFERENCES hr_skill_types(id) ON DELETE CASCADE,
    name           VARCHAR NOT NULL,
    sequence       INTEGER DEFAULT 0,
    custom_data    JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_skills_tenant_created_idx ON hr_skills (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_skills_skill_type_id_idx ON hr_skills (skill_type_id);

-- hr_timesheets: 工時表 [§7.9, named without columns]
CREATE TABLE hr_timesheets (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR,
    date         DATE,
    employee_id  UUID REFERENCES hr_employees(id) ON DELETE SET NULL,
    project_id   UUID REFERENCES project_projects(id) ON DELETE SET NULL,
    task_id      UUID REFERENCES project_tasks(id) ON DELETE SET NULL,
    hours        DOUBLE PRECISION DEFAULT 0,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_timesheets_tenant_created_idx ON hr_timesheets (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_timesheets_employee_id_idx ON hr_timesheets (employee_id);
CREATE INDEX hr_timesheets_project_id_idx ON hr_timesheets (project_id);
CREATE INDEX hr_timesheets_task_id_idx ON hr_timesheets (task_id);
CREATE INDEX hr_timesheets_user_id_idx ON hr_timesheets (user_id);

-- hr_work_entry_types: 工作項目類型 [§7.9, named without columns]
CREATE TABLE hr_work_entry_types (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    code         VARCHAR,
    color        VARCHAR,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_work_entry_types_tenant_created_idx ON hr_work_entry_types (tenant_id, created_at DESC, id DESC);

-- hr_work_entries: 工作項目 [§7.9, named without columns]
CREATE TABLE hr_work_entries (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                VARCHAR,
    employee_id         UUID NOT NULL REFERENCES hr_employees(id) ON DELETE CASCADE,
    work_entry_type_id  UUID REFERENCES hr_work_entry_types(id) ON DELETE SET NULL,
    state               VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'validated', 'conflict', 'cancelled')),
    date_start          TIMESTAMPTZ,
    date_stop           TIMESTAMPTZ,
    duration            DOUBLE PRECISION DEFAULT 0,
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX hr_work_entries_tenant_created_idx ON hr_work_entries (tenant_id, created_at DESC, id DESC);
CREATE INDEX hr_work_entries_employee_id_idx ON hr_work_entries (employee_id);
CREATE INDEX hr_work_entries_work_entry_type_id_idx ON hr_work_entries (work_entry_type_id);

-- ════════ Fixed assets (§10.13) ════════

-- fixed_assets: 固定資產 [§10.13]
CREATE TABLE fixed_assets (
    id                       UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id                UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                     VARCHAR NOT NULL,
    code                     VARCHAR,
    state                    VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'running', 'fully_depreciated', 'disposed', 'closed')),
    depreciation_method      VARCHAR NOT NULL DEFAULT 'straight_line' CHECK (depreciation_method IN ('straight_line', 'declining_balance', 'sum_of_years')),
    acquisition_date         DATE,
    date_start               DATE,
    original_value           NUMERIC(16,2) DEFAULT 0,
    salvage_value            NUMERIC(16,2) DEFAULT 0,
    book_value               NUMERIC(16,2) DEFAULT 0,
    useful_life_months       INTEGER,
    account_asset_id         UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    account_depreciation_id  UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    account_expense_id       UUID REFERENCES account_accounts(id) ON DELETE SET NULL,
    supplier_id              UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    department_id            UUID REFERENCES hr_departments(id) ON DELETE SET NULL,
    note                     TEXT,
    custom_data              JSONB DEFAULT '{}',
    created_at               TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX fixed_assets_tenant_created_idx ON fixed_assets (tenant_id, created_at DESC, id DESC);
CREATE INDEX fixed_assets_account_asset_id_idx ON fixed_assets (account_asset_id);
CREATE INDEX fixed_assets_account_depreciation_id_idx ON fixed_assets (account_depreciation_id);
CREATE INDEX fixed_assets_account_expense_id_idx ON fixed_assets (account_expense_id);
CREATE INDEX fixed_assets_supplier_id_idx ON fixed_assets (supplier_id);
CREATE INDEX fixed_assets_department_id_idx ON fixed_assets (department_id);

-- fixed_asset_depreciations: 折舊明細 [§10.13]
CREATE TABLE fixed_asset_depreciations (
    id                  UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    asset_id            UUID NOT NULL REFERENCES fixed_assets(id) ON DELETE CASCADE,
    name                VARCHAR,
    date                DATE,
    amount              NUMERIC(16,2) DEFAULT 0,
    accumulated_amount  NUMERIC(16,2) DEFAULT 0,
    remaining_value     NUMERIC(16,2) DEFAULT 0,
    status              VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'posted')),
    move_id             UUID REFERENCES account_moves(id) ON DELETE SET NULL,
    custom_data         JSONB DEFAULT '{}',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX fixed_asset_depreciations_tenant_created_idx ON fixed_asset_depreciations (tenant_id, created_at DESC, id DESC);
CREATE INDEX fixed_asset_depreciations_asset_id_idx ON fixed_asset_depreciations (asset_id);
CREATE INDEX fixed_asset_depreciations_move_id_idx ON fixed_asset_depreciations (move_id);

-- ════════ Banks (§10.14) ════════

-- partner_banks: 銀行帳戶 [§10.14]
CREATE TABLE partner_banks (
    id               UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_type     VARCHAR NOT NULL DEFAULT 'bank' CHECK (account_type IN ('bank', 'iban')),
    partner_type     VARCHAR CHECK (partner_type IN ('customer', 'supplier', 'member', 'tenant')),
    customer_id      UUID REFERENCES customers(id) ON DELETE SET NULL,
    supplier_id      UUID REFERENCES suppliers(id) ON DELETE SET NULL,
    member_id        UUID REFERENCES users(id) ON DELETE SET NULL,
    acc_number       VARCHAR,
    acc_holder_name  VARCHAR,
    bank_name        VARCHAR,
    bank_code        VARCHAR,
    branch_name      VARCHAR,
    currency_id      UUID REFERENCES currencies(id) ON DELETE SET NULL,
    active           BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data      JSONB DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX partner_banks_tenant_created_idx ON partner_banks (tenant_id, created_at DESC, id DESC);
CREATE INDEX partner_banks_customer_id_idx ON partner_banks (customer_id);
CREATE INDEX partner_banks_supplier_id_idx ON partner_banks (supplier_id);
CREATE INDEX partner_banks_member_id_idx ON partner_banks (member_id);
CREATE INDEX partner_banks_currency_id_idx ON partner_banks (currency_id);

-- ════════ Other modules (§7.13, §10.12) ════════

-- analytic_accounts: 分析帳戶 [§7.13]
CREATE TABLE analytic_accounts (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    code         VARCHAR,
    customer_id  UUID REFERENCES customers(id) ON DELETE SET NULL,
    currency_id  UUID REFERENCES currencies(id) ON DELETE SET NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX analytic_accounts_tenant_created_idx ON analytic_accounts (tenant_id, created_at DESC, id DESC);
CREATE INDEX analytic_accounts_customer_id_idx ON analytic_accounts (customer_id);
CREATE INDEX analytic_accounts_currency_id_idx ON analytic_accounts (currency_id);

-- analytic_lines: 分析行 [§7.13]
CREATE TABLE analytic_lines (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id    UUID NOT NULL REFERENCES analytic_accounts(id) ON DELETE CASCADE,
    name          VARCHAR,
    date          DATE,
    amount        NUMERIC(16,2) DEFAULT 0,
    quantity      NUMERIC(16,4) DEFAULT 0,
    product_id    UUID REFERENCES product_products(id) ON DELETE SET NULL,
    move_line_id  UUID REFERENCES account_move_lines(id) ON DELETE SET NULL,
    user_id       UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX analytic_lines_tenant_created_idx ON analytic_lines (tenant_id, created_at DESC, id DESC);
CREATE INDEX analytic_lines_account_id_idx ON analytic_lines (account_id);
CREATE INDEX analytic_lines_product_id_idx ON analytic_lines (product_id);
CREATE INDEX analytic_lines_move_line_id_idx ON analytic_lines (move_line_id);
CREATE INDEX analytic_lines_user_id_idx ON analytic_lines (user_id);

-- utm_sources: UTM 來源 [§7.13]
CREATE TABLE utm_sources (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX utm_sources_tenant_created_idx ON utm_sources (tenant_id, created_at DESC, id DESC);

-- utm_mediums: UTM 媒介 [§7.13]
CREATE TABLE utm_mediums (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX utm_mediums_tenant_created_idx ON utm_mediums (tenant_id, created_at DESC, id DESC);

-- utm_campaigns: UTM 活動 [§7.13]
CREATE TABLE utm_campaigns (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    active       BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX utm_campaigns_tenant_created_idx ON utm_campaigns (tenant_id, created_at DESC, id DESC);
CREATE INDEX utm_campaigns_user_id_idx ON utm_campaigns (user_id);

-- announcements: 公告 [§7.13, §10.12]
CREATE TABLE announcements (
    id                 UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               VARCHAR NOT NULL,
    content            TEXT,
    priority           VARCHAR,
    announcement_type  VARCHAR,
    send_mode          VARCHAR,
    send_status        VARCHAR,
    target_type        VARCHAR,
    validity_type      VARCHAR,
    target_tag_id      UUID REFERENCES customer_tags(id) ON DELETE SET NULL,
    target_level_id    UUID REFERENCES customer_levels(id) ON DELETE SET NULL,
    scheduled_at       TIMESTAMPTZ,
    sent_at            TIMESTAMPTZ,
    date_start         DATE,
    date_end           DATE,
    user_id            UUID REFERENCES users(id) ON DELETE SET NULL,
    active             BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    custom_data        JSONB DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX announcements_tenant_created_idx ON announcements (tenant_id, created_at DESC, id DESC);
CREATE INDEX announcements_target_tag_id_idx ON announcements (target_tag_id);
CREATE INDEX announcements_target_level_id_idx ON announcements (target_level_id);
CREATE INDEX announcements_user_id_idx ON announcements (user_id);

-- file_nodes: 檔案節點 [§7.13]
CREATE TABLE file_nodes (
    id           UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         VARCHAR NOT NULL,
    parent_id    UUID REFERENCES file_nodes(id) ON DELETE SET NULL,
    node_type    VARCHAR,
    mime_type    VARCHAR,
    file_size    INTEGER,
    file_url     VARCHAR,
    res_table    VARCHAR,
    res_id       UUID,
    user_id      UUID REFERENCES users(id) ON DELETE SET NULL,
    custom_data  JSONB DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX file_nodes_tenant_created_idx ON file_nodes (tenant_id, created_at DESC, id DESC);
CREATE INDEX file_nodes_parent_id_idx ON file_nodes (parent_id);
CREATE INDEX file_nodes_user_id_idx ON file_nodes (user_id);

-- purchase_stock_links: 採購-庫存連結 [§7.13]
CREATE TABLE purchase_stock_links (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    purchase_id       UUID NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    purchase_line_id  UUID REFERENCES purchase_order_lines(id) ON DELETE CASCADE,
    picking_id        UUID NOT NULL REFERENCES stock_pickings(id) ON DELETE CASCADE,
    move_id           UUID REFERENCES stock_moves(id) ON DELETE CASCADE,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX purchase_stock_links_tenant_created_idx ON purchase_stock_links (tenant_id, created_at DESC, id DESC);
CREATE INDEX purchase_stock_links_purchase_id_idx ON purchase_stock_links (purchase_id);
CREATE INDEX purchase_stock_links_purchase_line_id_idx ON purchase_stock_links (purchase_line_id);
CREATE INDEX purchase_stock_links_picking_id_idx ON purchase_stock_links (picking_id);
CREATE INDEX purchase_stock_links_move_id_idx ON purchase_stock_links (move_id);

-- sale_stock_links: 銷售-庫存連結 [§7.13]
CREATE TABLE sale_stock_links (
    id            UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    sale_id       UUID NOT NULL REFERENCES sale_orders(id) ON DELETE CASCADE,
    sale_line_id  UUID REFERENCES sale_order_lines(id) ON DELETE CASCADE,
    picking_id    UUID NOT NULL REFERENCES stock_pickings(id) ON DELETE CASCADE,
    move_id       UUID REFERENCES stock_moves(id) ON DELETE CASCADE,
    custom_data   JSONB DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_stock_links_tenant_created_idx ON sale_stock_links (tenant_id, created_at DESC, id DESC);
CREATE INDEX sale_stock_links_sale_id_idx ON sale_stock_links (sale_id);
CREATE INDEX sale_stock_links_sale_line_id_idx ON sale_stock_links (sale_line_id);
CREATE INDEX sale_stock_links_picking_id_idx ON sale_stock_links (picking_id);
CREATE INDEX sale_stock_links_move_id_idx ON sale_stock_links (move_id);

-- sale_purchase_links: 銷售-採購連結 [§7.13]
CREATE TABLE sale_purchase_links (
    id                UUID PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))),
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    sale_id           UUID NOT NULL REFERENCES sale_orders(id) ON DELETE CASCADE,
    sale_line_id      UUID REFERENCES sale_order_lines(id) ON DELETE CASCADE,
    purchase_id       UUID NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    purchase_line_id  UUID REFERENCES purchase_order_lines(id) ON DELETE CASCADE,
    custom_data       JSONB DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX sale_purchase_links_tenant_created_idx ON sale_purchase_links (tenant_id, created_at DESC, id DESC);
CREATE INDEX sale_purchase_links_sale_id_idx ON sale_purchase_links (sale_id);
CREATE INDEX sale_purchase_links_sale_line_id_idx ON sale_purchase_links (sale_line_id);
CREATE INDEX sale_purchase_links_purchase_id_idx ON sale_purchase_links (purchase_id);
CREATE INDEX sale_purchase_links_purchase_line_id_idx ON sale_purchase_links (purchase_line_id);
