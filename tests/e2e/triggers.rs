//! The fields the system keeps up to date after proxy writes (spec 000 §7).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{Api, Server};

struct App {
    api: Api,
    id: String,
}

impl App {
    /// An internal app referencing `tables` with every listed column and
    /// all four permissions.
    async fn new(server: &Server, tables: &[(&str, &[&str])]) -> App {
        let api = server.admin().await;
        let id = api.create_app("Triggers").await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        for (table, columns) in tables {
            let (status, out) = api
                .post(&format!("/api/v1/refs/apps/{id}"), json!({"table_name": table, "columns": columns, "permissions": ["read", "create", "update", "delete"]}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{table}: {out}");
        }
        App { api, id }
    }

    async fn insert(&self, table: &str, data: Value) -> String {
        let (status, out) = self
            .api
            .call(
                Method::POST,
                &format!("/api/v1/proxy/{}/{table}", self.id),
                Some(json!({"data": data})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{table}: {out}");
        out["id"].as_str().expect("id").to_owned()
    }

    async fn update(&self, table: &str, id: &str, data: Value) {
        let (status, out) = self
            .api
            .call(
                Method::PATCH,
                &format!("/api/v1/proxy/{}/{table}/{id}", self.id),
                Some(json!({"data": data})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{table}: {out}");
    }

    async fn delete(&self, table: &str, id: &str) {
        let (status, out) = self
            .api
            .call(
                Method::DELETE,
                &format!("/api/v1/proxy/{}/{table}/{id}", self.id),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{table}: {out}");
    }

    async fn field(&self, table: &str, id: &str, column: &str) -> Value {
        let body = json!({"filters": [{"column": "id", "op": "eq", "value": id}], "select_columns": [column]});
        let (status, out) = self
            .api
            .call(
                Method::POST,
                &format!("/api/v1/proxy/{}/{table}/query", self.id),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{table}: {out}");
        out["data"][0][column].clone()
    }
}

#[tokio::test]
async fn sales_invoices_and_pickings() {
    let server = Server::start();
    let app = App::new(
        &server,
        &[
            ("sale_orders", &["name", "state", "invoice_status"]),
            (
                "sale_order_lines",
                &[
                    "order_id",
                    "name",
                    "product_uom_qty",
                    "qty_delivered",
                    "qty_invoiced",
                    "invoice_status",
                ],
            ),
            (
                "account_moves",
                &["name", "amount_total", "amount_residual", "payment_state"],
            ),
            ("stock_pickings", &["name", "state"]),
            ("stock_moves", &["name", "state", "picking_id"]),
        ],
    )
    .await;

    // Sale order invoice_status follows its lines.
    let order = app
        .insert("sale_orders", json!({"name": "SO-1", "state": "sale"}))
        .await;
    assert_eq!(
        app.field("sale_orders", &order, "invoice_status").await,
        "no"
    );
    let line = app.insert("sale_order_lines", json!({"order_id": order, "name": "Widget", "product_uom_qty": 10, "qty_delivered": 5, "qty_invoiced": 0})).await;
    assert_eq!(
        app.field("sale_order_lines", &line, "invoice_status").await,
        "to_invoice"
    );
    assert_eq!(
        app.field("sale_orders", &order, "invoice_status").await,
        "to_invoice"
    );
    app.update(
        "sale_order_lines",
        &line,
        json!({"qty_delivered": 10, "qty_invoiced": 10}),
    )
    .await;
    assert_eq!(
        app.field("sale_orders", &order, "invoice_status").await,
        "invoiced"
    );
    app.delete("sale_order_lines", &line).await;
    assert_eq!(
        app.field("sale_orders", &order, "invoice_status").await,
        "no"
    );

    // Account move payment_state follows the residual.
    let invoice = app
        .insert(
            "account_moves",
            json!({"name": "INV-1", "amount_total": 100, "amount_residual": 100}),
        )
        .await;
    assert_eq!(
        app.field("account_moves", &invoice, "payment_state").await,
        "not_paid"
    );
    app.update("account_moves", &invoice, json!({"amount_residual": 40}))
        .await;
    assert_eq!(
        app.field("account_moves", &invoice, "payment_state").await,
        "partial"
    );
    app.update("account_moves", &invoice, json!({"amount_residual": 0}))
        .await;
    assert_eq!(
        app.field("account_moves", &invoice, "payment_state").await,
        "paid"
    );

    // A picking completes with its moves.
    let picking = app
        .insert(
            "stock_pickings",
            json!({"name": "WH/OUT/1", "state": "confirmed"}),
        )
        .await;
    let first = app
        .insert(
            "stock_moves",
            json!({"name": "a", "state": "confirmed", "picking_id": picking}),
        )
        .await;
    let second = app
        .insert(
            "stock_moves",
            json!({"name": "b", "state": "confirmed", "picking_id": picking}),
        )
        .await;
    app.update("stock_moves", &first, json!({"state": "done"}))
        .await;
    assert_eq!(
        app.field("stock_pickings", &picking, "state").await,
        "assigned"
    );
    app.update("stock_moves", &second, json!({"state": "done"}))
        .await;
    assert_eq!(app.field("stock_pickings", &picking, "state").await, "done");
}

#[tokio::test]
async fn projects_timesheets_stock_and_leaves() {
    let server = Server::start();
    let app = App::new(
        &server,
        &[
            ("project_projects", &["name", "task_count"]),
            (
                "project_tasks",
                &[
                    "name",
                    "project_id",
                    "planned_hours",
                    "effective_hours",
                    "progress",
                ],
            ),
            ("hr_timesheets", &["name", "task_id", "hours"]),
            ("product_templates", &["name"]),
            ("product_products", &["product_tmpl_id"]),
            ("stock_locations", &["name"]),
            (
                "stock_quants",
                &["product_id", "location_id", "quantity", "reserved_quantity"],
            ),
            ("stock_moves", &["name", "state"]),
            (
                "stock_move_lines",
                &["move_id", "product_id", "location_id", "quantity", "state"],
            ),
            ("hr_employees", &["name"]),
            ("hr_leave_allocations", &["employee_id", "number_of_days"]),
            ("hr_leaves", &["employee_id", "number_of_days", "state"]),
        ],
    )
    .await;

    // task_count follows the tasks; effective_hours and progress the timesheets.
    let project = app
        .insert("project_projects", json!({"name": "Launch"}))
        .await;
    let task = app
        .insert(
            "project_tasks",
            json!({"name": "Design", "project_id": project, "planned_hours": 10}),
        )
        .await;
    let other = app
        .insert(
            "project_tasks",
            json!({"name": "Build", "project_id": project}),
        )
        .await;
    assert_eq!(
        app.field("project_projects", &project, "task_count").await,
        2
    );
    app.delete("project_tasks", &other).await;
    assert_eq!(
        app.field("project_projects", &project, "task_count").await,
        1
    );
    let sheet = app
        .insert(
            "hr_timesheets",
            json!({"name": "day 1", "task_id": task, "hours": 4}),
        )
        .await;
    assert_eq!(
        app.field("project_tasks", &task, "effective_hours")
            .await
            .as_f64(),
        Some(4.0)
    );
    assert_eq!(
        app.field("project_tasks", &task, "progress").await.as_f64(),
        Some(40.0)
    );
    app.update("hr_timesheets", &sheet, json!({"hours": 6}))
        .await;
    assert_eq!(
        app.field("project_tasks", &task, "effective_hours")
            .await
            .as_f64(),
        Some(6.0)
    );

    // Reserved quantity follows the open move lines of that product and place.
    let template = app
        .insert("product_templates", json!({"name": "Bolt"}))
        .await;
    let product = app
        .insert("product_products", json!({"product_tmpl_id": template}))
        .await;
    let location = app
        .insert("stock_locations", json!({"name": "WH/Stock"}))
        .await;
    let quant = app
        .insert(
            "stock_quants",
            json!({"product_id": product, "location_id": location, "quantity": 50}),
        )
        .await;
    let mv = app
        .insert("stock_moves", json!({"name": "pick", "state": "assigned"}))
        .await;
    let move_line = app.insert("stock_move_lines", json!({"move_id": mv, "product_id": product, "location_id": location, "quantity": 3, "state": "assigned"})).await;
    assert_eq!(
        app.field("stock_quants", &quant, "reserved_quantity")
            .await
            .as_f64(),
        Some(3.0)
    );
    app.update("stock_move_lines", &move_line, json!({"state": "done"}))
        .await;
    assert_eq!(
        app.field("stock_quants", &quant, "reserved_quantity")
            .await
            .as_f64(),
        Some(0.0)
    );

    // A leave that turns validate uses up its days of the allocation, once.
    let employee = app.insert("hr_employees", json!({"name": "Ada"})).await;
    let allocation = app
        .insert(
            "hr_leave_allocations",
            json!({"employee_id": employee, "number_of_days": 10}),
        )
        .await;
    let leave = app
        .insert(
            "hr_leaves",
            json!({"employee_id": employee, "number_of_days": 2, "state": "confirm"}),
        )
        .await;
    assert_eq!(
        app.field("hr_leave_allocations", &allocation, "number_of_days")
            .await
            .as_f64(),
        Some(10.0)
    );
    app.update("hr_leaves", &leave, json!({"state": "validate"}))
        .await;
    assert_eq!(
        app.field("hr_leave_allocations", &allocation, "number_of_days")
            .await
            .as_f64(),
        Some(8.0)
    );
    app.update("hr_leaves", &leave, json!({"state": "validate"}))
        .await;
    assert_eq!(
        app.field("hr_leave_allocations", &allocation, "number_of_days")
            .await
            .as_f64(),
        Some(8.0),
        "only the transition deducts"
    );
}
