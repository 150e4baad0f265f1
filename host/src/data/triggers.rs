//! The fields the system keeps up to date after proxy writes (spec 000 §7
//! "自動觸發流程"), run in the write's own transaction:
//!
//! | written table | kept up to date |
//! |---|---|
//! | `sale_orders`, `sale_order_lines` | `invoice_status` of the lines and the order |
//! | `account_moves` | `payment_state` from `amount_residual` / `amount_total` |
//! | `stock_moves` | the picking's completion (`stock_pickings.state`) |
//! | `project_tasks` | `project_projects.task_count` |
//! | `stock_move_lines` | `stock_quants.reserved_quantity` of the product at the location |
//! | `hr_leaves` | a leave turning `validate` deducts its days from the allocation |
//! | `hr_timesheets` | `project_tasks.effective_hours` and `progress` |
//!
//! Each takes the row as it was before the write (`before`, for updates and
//! deletes) and after it (`after`, for inserts and updates), so a row that
//! moves to another parent refreshes both parents. The SQL is written once
//! for both backends. Every statement and every subquery is held to the
//! writing tenant: no write in one tenant can move a field of another.

use serde_json::{Map, Value};

use crate::db::Id;

/// A row image: column → value, as JSON.
pub type Row = Map<String, Value>;

/// The tables whose writes have consequences here.
pub fn watches(table: &str) -> bool {
    matches!(
        table,
        "sale_orders"
            | "sale_order_lines"
            | "account_moves"
            | "stock_moves"
            | "project_tasks"
            | "stock_move_lines"
            | "hr_leaves"
            | "hr_timesheets"
    )
}

fn id_of(row: Option<&Row>, column: &str) -> Option<Id> {
    row?.get(column)?
        .as_str()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(Id)
}

/// Parents referenced by `column` in the before and after images, once each.
fn parents(before: Option<&Row>, after: Option<&Row>, column: &str) -> Vec<Id> {
    let mut ids: Vec<Id> = [id_of(before, column), id_of(after, column)]
        .into_iter()
        .flatten()
        .collect();
    ids.dedup();
    ids
}

/// Runs the consequences of one write on `table`.
pub async fn after_write<C, DB>(
    conn: &mut C,
    tenant: Id,
    table: &str,
    before: Option<&Row>,
    after: Option<&Row>,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let statements: Vec<(&'static str, Vec<Id>)> = match table {
        "sale_order_lines" | "sale_orders" => {
            let orders = if table == "sale_orders" {
                parents(before, after, "id")
            } else {
                parents(before, after, "order_id")
            };
            vec![
                (SALE_LINE_INVOICE_STATUS, orders.clone()),
                (SALE_ORDER_INVOICE_STATUS, orders),
            ]
        }
        "account_moves" => vec![(MOVE_PAYMENT_STATE, parents(before, after, "id"))],
        "stock_moves" => vec![(PICKING_COMPLETION, parents(before, after, "picking_id"))],
        "project_tasks" => vec![(PROJECT_TASK_COUNT, parents(before, after, "project_id"))],
        "hr_timesheets" => vec![(TASK_EFFECTIVE_HOURS, parents(before, after, "task_id"))],
        "stock_move_lines" => {
            // A quant is the product at a location: refresh every pair touched.
            let mut done = Vec::new();
            for row in [before, after].into_iter().flatten() {
                if let (Some(product), Some(location)) = (
                    id_of(Some(row), "product_id"),
                    id_of(Some(row), "location_id"),
                ) {
                    if !done.contains(&(product, location)) {
                        sqlx::query(QUANT_RESERVED)
                            .bind(tenant)
                            .bind(product)
                            .bind(location)
                            .execute(&mut *conn)
                            .await?;
                        done.push((product, location));
                    }
                }
            }
            Vec::new()
        }
        "hr_leaves" => {
            let was = before.and_then(|r| r.get("state")).and_then(Value::as_str);
            let is = after.and_then(|r| r.get("state")).and_then(Value::as_str);
            if is == Some("validate") && was != Some("validate") {
                if let Some(leave) = id_of(after, "id") {
                    sqlx::query(LEAVE_ALLOCATION_DEDUCT)
                        .bind(tenant)
                        .bind(leave)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    for (sql, ids) in statements {
        for id in ids {
            sqlx::query(sql)
                .bind(tenant)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Each line: invoiced when all its quantity is invoiced, to invoice when
/// more is delivered than invoiced, else nothing to invoice.
const SALE_LINE_INVOICE_STATUS: &str = "UPDATE sale_order_lines SET invoice_status = CASE \
     WHEN COALESCE(product_uom_qty, 0) > 0 AND COALESCE(qty_invoiced, 0) >= COALESCE(product_uom_qty, 0) THEN 'invoiced' \
     WHEN COALESCE(qty_delivered, 0) > COALESCE(qty_invoiced, 0) THEN 'to_invoice' \
     ELSE 'no' END \
     WHERE tenant_id = $1 AND order_id = $2";

/// The order: to invoice if any line is, invoiced if every line is.
const SALE_ORDER_INVOICE_STATUS: &str = "UPDATE sale_orders SET invoice_status = CASE \
     WHEN EXISTS (SELECT 1 FROM sale_order_lines l WHERE l.tenant_id = sale_orders.tenant_id AND l.order_id = sale_orders.id AND l.invoice_status = 'to_invoice') THEN 'to_invoice' \
     WHEN EXISTS (SELECT 1 FROM sale_order_lines l WHERE l.tenant_id = sale_orders.tenant_id AND l.order_id = sale_orders.id) \
      AND NOT EXISTS (SELECT 1 FROM sale_order_lines l WHERE l.tenant_id = sale_orders.tenant_id AND l.order_id = sale_orders.id AND l.invoice_status <> 'invoiced') THEN 'invoiced' \
     ELSE 'no' END \
     WHERE tenant_id = $1 AND id = $2";

const MOVE_PAYMENT_STATE: &str = "UPDATE account_moves SET payment_state = CASE \
     WHEN COALESCE(amount_total, 0) > 0 AND COALESCE(amount_residual, 0) <= 0 THEN 'paid' \
     WHEN COALESCE(amount_residual, 0) > 0 AND COALESCE(amount_residual, 0) < COALESCE(amount_total, 0) THEN 'partial' \
     ELSE 'not_paid' END \
     WHERE tenant_id = $1 AND id = $2";

/// A picking is done when all its (not cancelled) moves are, cancelled when
/// all are cancelled, and ready (assigned) while some are done.
const PICKING_COMPLETION: &str = "UPDATE stock_pickings SET state = CASE \
     WHEN NOT EXISTS (SELECT 1 FROM stock_moves m WHERE m.tenant_id = stock_pickings.tenant_id AND m.picking_id = stock_pickings.id) THEN state \
     WHEN NOT EXISTS (SELECT 1 FROM stock_moves m WHERE m.tenant_id = stock_pickings.tenant_id AND m.picking_id = stock_pickings.id AND m.state <> 'cancel') THEN 'cancel' \
     WHEN NOT EXISTS (SELECT 1 FROM stock_moves m WHERE m.tenant_id = stock_pickings.tenant_id AND m.picking_id = stock_pickings.id AND m.state NOT IN ('done', 'cancel')) THEN 'done' \
     WHEN EXISTS (SELECT 1 FROM stock_moves m WHERE m.tenant_id = stock_pickings.tenant_id AND m.picking_id = stock_pickings.id AND m.state = 'done') THEN 'assigned' \
     ELSE state END \
     WHERE tenant_id = $1 AND id = $2";

const PROJECT_TASK_COUNT: &str = "UPDATE project_projects SET task_count = \
     (SELECT COUNT(*) FROM project_tasks t WHERE t.tenant_id = project_projects.tenant_id AND t.project_id = project_projects.id) \
     WHERE tenant_id = $1 AND id = $2";

const TASK_EFFECTIVE_HOURS: &str = "UPDATE project_tasks SET \
     effective_hours = (SELECT COALESCE(SUM(h.hours), 0) FROM hr_timesheets h WHERE h.tenant_id = project_tasks.tenant_id AND h.task_id = project_tasks.id), \
     progress = CASE WHEN COALESCE(planned_hours, 0) > 0 THEN \
       100.0 * (SELECT COALESCE(SUM(h.hours), 0) FROM hr_timesheets h WHERE h.tenant_id = project_tasks.tenant_id AND h.task_id = project_tasks.id) / planned_hours ELSE progress END \
     WHERE tenant_id = $1 AND id = $2";

/// Reserved = what open move lines take from that product at that location.
const QUANT_RESERVED: &str = "UPDATE stock_quants SET reserved_quantity = \
     (SELECT COALESCE(SUM(l.quantity), 0) FROM stock_move_lines l \
      WHERE l.tenant_id = stock_quants.tenant_id AND l.product_id = stock_quants.product_id AND l.location_id = stock_quants.location_id \
      AND COALESCE(l.state, '') NOT IN ('done', 'cancel')) \
     WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3";

/// The employee's allocation for the leave's type loses the leave's days.
const LEAVE_ALLOCATION_DEDUCT: &str = "UPDATE hr_leave_allocations SET number_of_days = number_of_days - \
     (SELECT COALESCE(l.number_of_days, 0) FROM hr_leaves l WHERE l.tenant_id = $1 AND l.id = $2) \
     WHERE id = (SELECT a.id FROM hr_leave_allocations a JOIN hr_leaves l ON l.tenant_id = a.tenant_id AND l.employee_id = a.employee_id \
       AND (l.leave_type_id = a.leave_type_id OR (l.leave_type_id IS NULL AND a.leave_type_id IS NULL)) \
       WHERE l.id = $2 AND a.tenant_id = $1 ORDER BY a.created_at DESC LIMIT 1)";
