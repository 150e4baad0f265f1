//! The ERP business tables of spec 000 §7 (created by migrations 0003): their names, the
//! module they belong to and the description shown by `GET /refs/available-tables`.
//!
//! One entry per table of `migrations/{sqlite,postgres}/0003_erp_tables.sql`, in
//! migration order; keep the three in step.

/// One referenceable ERP table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErpTable {
    /// The table name, as in the database and the API.
    pub name: &'static str,
    /// The spec module it belongs to (`customer`, `sale`, `stock`, …).
    pub module: &'static str,
    /// The spec's (Chinese) description.
    pub comment: &'static str,
}

pub const ERP_TABLES: &[ErpTable] = &[
    ErpTable {
        name: "currencies",
        module: "core",
        comment: "幣別",
    },
    ErpTable {
        name: "currency_rates",
        module: "core",
        comment: "匯率",
    },
    ErpTable {
        name: "countries",
        module: "core",
        comment: "國家",
    },
    ErpTable {
        name: "country_states",
        module: "core",
        comment: "州省",
    },
    ErpTable {
        name: "languages",
        module: "core",
        comment: "語言",
    },
    ErpTable {
        name: "uom_categories",
        module: "core",
        comment: "計量單位類別",
    },
    ErpTable {
        name: "uom_uom",
        module: "core",
        comment: "計量單位",
    },
    ErpTable {
        name: "ir_sequences",
        module: "core",
        comment: "編號規則",
    },
    ErpTable {
        name: "customer_levels",
        module: "customer",
        comment: "客戶等級",
    },
    ErpTable {
        name: "customers",
        module: "customer",
        comment: "客戶",
    },
    ErpTable {
        name: "customer_tags",
        module: "customer",
        comment: "客戶標籤",
    },
    ErpTable {
        name: "customer_tag_rel",
        module: "customer",
        comment: "客戶-標籤關聯",
    },
    ErpTable {
        name: "suppliers",
        module: "supplier",
        comment: "供應商",
    },
    ErpTable {
        name: "account_accounts",
        module: "account",
        comment: "會計科目",
    },
    ErpTable {
        name: "account_taxes",
        module: "account",
        comment: "稅率",
    },
    ErpTable {
        name: "account_journals",
        module: "account",
        comment: "日記帳",
    },
    ErpTable {
        name: "account_payment_terms",
        module: "account",
        comment: "付款條件",
    },
    ErpTable {
        name: "account_fiscal_positions",
        module: "account",
        comment: "稅務對應",
    },
    ErpTable {
        name: "account_fiscal_years",
        module: "account",
        comment: "會計年度",
    },
    ErpTable {
        name: "account_periods",
        module: "account",
        comment: "會計期間",
    },
    ErpTable {
        name: "account_lock_dates",
        module: "account",
        comment: "鎖帳日期",
    },
    ErpTable {
        name: "account_reports",
        module: "account",
        comment: "財務報表",
    },
    ErpTable {
        name: "account_report_lines",
        module: "account",
        comment: "財務報表行",
    },
    ErpTable {
        name: "stock_locations",
        module: "stock",
        comment: "庫位",
    },
    ErpTable {
        name: "stock_warehouses",
        module: "stock",
        comment: "倉庫",
    },
    ErpTable {
        name: "stock_storage_categories",
        module: "stock",
        comment: "儲位類別",
    },
    ErpTable {
        name: "hr_departments",
        module: "hr",
        comment: "部門",
    },
    ErpTable {
        name: "hr_jobs",
        module: "hr",
        comment: "職位",
    },
    ErpTable {
        name: "hr_work_locations",
        module: "hr",
        comment: "工作地點",
    },
    ErpTable {
        name: "hr_employees",
        module: "hr",
        comment: "員工",
    },
    ErpTable {
        name: "product_categories",
        module: "product",
        comment: "產品分類",
    },
    ErpTable {
        name: "product_templates",
        module: "product",
        comment: "產品範本",
    },
    ErpTable {
        name: "product_products",
        module: "product",
        comment: "產品變體",
    },
    ErpTable {
        name: "product_price_tiers",
        module: "product",
        comment: "階梯定價",
    },
    ErpTable {
        name: "product_supplierinfo",
        module: "product",
        comment: "供應商價格",
    },
    ErpTable {
        name: "customer_tag_prices",
        module: "customer",
        comment: "標籤專屬價",
    },
    ErpTable {
        name: "sale_order_templates",
        module: "sale",
        comment: "報價範本",
    },
    ErpTable {
        name: "sale_order_template_lines",
        module: "sale",
        comment: "報價範本明細",
    },
    ErpTable {
        name: "sale_orders",
        module: "sale",
        comment: "銷售訂單",
    },
    ErpTable {
        name: "sale_order_lines",
        module: "sale",
        comment: "銷售訂單明細",
    },
    ErpTable {
        name: "purchase_requisitions",
        module: "purchase",
        comment: "採購協議",
    },
    ErpTable {
        name: "purchase_orders",
        module: "purchase",
        comment: "採購訂單",
    },
    ErpTable {
        name: "purchase_order_lines",
        module: "purchase",
        comment: "採購訂單明細",
    },
    ErpTable {
        name: "account_moves",
        module: "account",
        comment: "會計傳票/發票",
    },
    ErpTable {
        name: "account_move_lines",
        module: "account",
        comment: "傳票明細行",
    },
    ErpTable {
        name: "account_payments",
        module: "account",
        comment: "收付款",
    },
    ErpTable {
        name: "account_bank_statements",
        module: "account",
        comment: "銀行對帳單",
    },
    ErpTable {
        name: "account_move_templates",
        module: "account",
        comment: "傳票範本",
    },
    ErpTable {
        name: "stock_picking_types",
        module: "stock",
        comment: "揀貨類型",
    },
    ErpTable {
        name: "stock_lots",
        module: "stock",
        comment: "批號/序號",
    },
    ErpTable {
        name: "stock_packages",
        module: "stock",
        comment: "包裹",
    },
    ErpTable {
        name: "stock_pickings",
        module: "stock",
        comment: "揀貨單/調撥單",
    },
    ErpTable {
        name: "stock_moves",
        module: "stock",
        comment: "庫存移動",
    },
    ErpTable {
        name: "stock_move_lines",
        module: "stock",
        comment: "庫存移動明細",
    },
    ErpTable {
        name: "stock_quants",
        module: "stock",
        comment: "庫存量",
    },
    ErpTable {
        name: "stock_routes",
        module: "stock",
        comment: "庫存路線",
    },
    ErpTable {
        name: "stock_rules",
        module: "stock",
        comment: "庫存規則",
    },
    ErpTable {
        name: "stock_scraps",
        module: "stock",
        comment: "報廢單",
    },
    ErpTable {
        name: "stock_warehouse_orderpoints",
        module: "stock",
        comment: "補貨規則",
    },
    ErpTable {
        name: "stock_landed_costs",
        module: "stock",
        comment: "到岸成本",
    },
    ErpTable {
        name: "stock_landed_cost_lines",
        module: "stock",
        comment: "到岸成本明細",
    },
    ErpTable {
        name: "stock_picking_batches",
        module: "stock",
        comment: "批次揀貨",
    },
    ErpTable {
        name: "delivery_carriers",
        module: "stock",
        comment: "物流方式",
    },
    ErpTable {
        name: "inventory_check_batches",
        module: "stock",
        comment: "盤點單",
    },
    ErpTable {
        name: "inventory_check_items",
        module: "stock",
        comment: "盤點明細",
    },
    ErpTable {
        name: "inventory_converts",
        module: "stock",
        comment: "庫存轉換",
    },
    ErpTable {
        name: "freight_groups",
        module: "stock",
        comment: "運費群組",
    },
    ErpTable {
        name: "freight_group_tiers",
        module: "stock",
        comment: "運費級距",
    },
    ErpTable {
        name: "crm_teams",
        module: "crm",
        comment: "銷售團隊",
    },
    ErpTable {
        name: "crm_team_members",
        module: "crm",
        comment: "銷售團隊成員",
    },
    ErpTable {
        name: "crm_stages",
        module: "crm",
        comment: "商機階段",
    },
    ErpTable {
        name: "crm_lost_reasons",
        module: "crm",
        comment: "流失原因",
    },
    ErpTable {
        name: "crm_tags",
        module: "crm",
        comment: "CRM 標籤",
    },
    ErpTable {
        name: "crm_recurring_plans",
        module: "crm",
        comment: "定期收入方案",
    },
    ErpTable {
        name: "crm_leads",
        module: "crm",
        comment: "商機",
    },
    ErpTable {
        name: "crm_activities",
        module: "crm",
        comment: "CRM 活動",
    },
    ErpTable {
        name: "mrp_workcenters",
        module: "mrp",
        comment: "工作中心",
    },
    ErpTable {
        name: "mrp_boms",
        module: "mrp",
        comment: "物料清單",
    },
    ErpTable {
        name: "mrp_bom_lines",
        module: "mrp",
        comment: "物料清單明細",
    },
    ErpTable {
        name: "mrp_bom_byproducts",
        module: "mrp",
        comment: "副產品",
    },
    ErpTable {
        name: "mrp_routing_workcenters",
        module: "mrp",
        comment: "製程作業",
    },
    ErpTable {
        name: "mrp_productions",
        module: "mrp",
        comment: "生產訂單",
    },
    ErpTable {
        name: "mrp_workorders",
        module: "mrp",
        comment: "工單",
    },
    ErpTable {
        name: "mrp_unbuilds",
        module: "mrp",
        comment: "拆解單",
    },
    ErpTable {
        name: "project_project_stages",
        module: "project",
        comment: "專案階段",
    },
    ErpTable {
        name: "project_task_types",
        module: "project",
        comment: "任務階段",
    },
    ErpTable {
        name: "project_tags",
        module: "project",
        comment: "專案標籤",
    },
    ErpTable {
        name: "project_roles",
        module: "project",
        comment: "專案角色",
    },
    ErpTable {
        name: "project_projects",
        module: "project",
        comment: "專案",
    },
    ErpTable {
        name: "project_milestones",
        module: "project",
        comment: "里程碑",
    },
    ErpTable {
        name: "project_tasks",
        module: "project",
        comment: "任務",
    },
    ErpTable {
        name: "project_collaborators",
        module: "project",
        comment: "專案協作者",
    },
    ErpTable {
        name: "project_task_recurrences",
        module: "project",
        comment: "任務週期設定",
    },
    ErpTable {
        name: "project_updates",
        module: "project",
        comment: "專案進度更新",
    },
    ErpTable {
        name: "hr_attendances",
        module: "hr",
        comment: "出勤紀錄",
    },
    ErpTable {
        name: "hr_leave_types",
        module: "hr",
        comment: "假別",
    },
    ErpTable {
        name: "hr_leaves",
        module: "hr",
        comment: "請假單",
    },
    ErpTable {
        name: "hr_leave_allocations",
        module: "hr",
        comment: "休假額度",
    },
    ErpTable {
        name: "hr_expense_sheets",
        module: "hr",
        comment: "費用報告",
    },
    ErpTable {
        name: "hr_expenses",
        module: "hr",
        comment: "費用",
    },
    ErpTable {
        name: "hr_skill_types",
        module: "hr",
        comment: "技能類型",
    },
    ErpTable {
        name: "hr_skills",
        module: "hr",
        comment: "技能",
    },
    ErpTable {
        name: "hr_timesheets",
        module: "hr",
        comment: "工時表",
    },
    ErpTable {
        name: "hr_work_entry_types",
        module: "hr",
        comment: "工作項目類型",
    },
    ErpTable {
        name: "hr_work_entries",
        module: "hr",
        comment: "工作項目",
    },
    ErpTable {
        name: "fixed_assets",
        module: "fixed_asset",
        comment: "固定資產",
    },
    ErpTable {
        name: "fixed_asset_depreciations",
        module: "fixed_asset",
        comment: "折舊明細",
    },
    ErpTable {
        name: "partner_banks",
        module: "finance",
        comment: "銀行帳戶",
    },
    ErpTable {
        name: "analytic_accounts",
        module: "other",
        comment: "分析帳戶",
    },
    ErpTable {
        name: "analytic_lines",
        module: "other",
        comment: "分析行",
    },
    ErpTable {
        name: "utm_sources",
        module: "other",
        comment: "UTM 來源",
    },
    ErpTable {
        name: "utm_mediums",
        module: "other",
        comment: "UTM 媒介",
    },
    ErpTable {
        name: "utm_campaigns",
        module: "other",
        comment: "UTM 活動",
    },
    ErpTable {
        name: "announcements",
        module: "other",
        comment: "公告",
    },
    ErpTable {
        name: "file_nodes",
        module: "other",
        comment: "檔案節點",
    },
    ErpTable {
        name: "purchase_stock_links",
        module: "other",
        comment: "採購-庫存連結",
    },
    ErpTable {
        name: "sale_stock_links",
        module: "other",
        comment: "銷售-庫存連結",
    },
    ErpTable {
        name: "sale_purchase_links",
        module: "other",
        comment: "銷售-採購連結",
    },
];

#[cfg(test)]
mod tests {
    use super::ERP_TABLES;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_identifiers() {
        let mut seen = HashSet::new();
        for t in ERP_TABLES {
            assert!(seen.insert(t.name), "duplicate table {}", t.name);
            let mut chars = t.name.chars();
            assert!(
                chars.next().is_some_and(|c| c.is_ascii_lowercase()),
                "bad name {}",
                t.name
            );
            assert!(
                chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "bad name {}",
                t.name
            );
        }
    }

    #[test]
    fn every_table_has_a_module_and_a_comment() {
        for t in ERP_TABLES {
            assert!(!t.module.is_empty() && !t.comment.is_empty(), "{}", t.name);
        }
    }
}
