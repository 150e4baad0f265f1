//! The demo of `appbox serve --demo`: a published multi-page app (sdk-js/demo)
//! with what it needs to show data — a `tasks` Custom Table it lists and adds
//! to through api.ts, and a reference to the ERP `customers` table (three
//! sample rows) that it reads through db.ts.

use include_dir::{include_dir, Dir};

use crate::builder::apps::{self, AccessMode, AppRecord, NewApp};
use crate::builder::compile::{Mode, Outcome};
use crate::builder::sdk;
use crate::builder::vfs::Files;
use crate::data::custom_tables::{self, FieldSpec, FieldType};
use crate::db::{Db, Id};
use crate::on_db;
use crate::state::AppState;

static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../sdk-js/demo");

const CUSTOMERS: [(&str, &str, &str); 3] = [
    ("Acme Trading", "orders@acme.example", "Taipei"),
    ("Blue Harbor Foods", "hello@blueharbor.example", "Kaohsiung"),
    ("Northwind Tools", "sales@northwind.example", "Taichung"),
];

/// The demo app's source files: the standard template with the demo's own
/// pages, routes and styles (sdk-js/demo) laid over it.
pub fn files() -> Files {
    let mut files = sdk::template_files();
    sdk::collect(&DEMO, &mut files);
    files
}

/// Creates, sets up and publishes the demo app for `owner` of `tenant`.
pub async fn create(state: &AppState, tenant: Id, owner: Id) -> anyhow::Result<AppRecord> {
    let db = state.db();
    let new = NewApp {
        name: "Demo app".into(),
        description:
            "Created by appbox serve --demo: tasks (a Custom Table) and customers (an ERP table)"
                .into(),
        access_mode: AccessMode::Internal,
        subdomain: None,
    };
    let app = apps::create_app(db, tenant, owner, new, files()).await?;
    let app_id = Id(app.id);
    let text = |name: &str, key: &str, required: bool| FieldSpec {
        name: name.into(),
        field_key: key.into(),
        field_type: FieldType::Text,
        is_required: required,
        sequence: 0,
    };
    custom_tables::create_object(
        db,
        tenant,
        app_id,
        "Tasks",
        "tasks",
        false,
        &[
            text("Title", "title", true),
            text("Status", "status", false),
        ],
    )
    .await?;
    let columns = ["id", "name", "email", "city"].map(String::from);
    crate::data::refs::create(
        db,
        tenant,
        &app.id.to_string(),
        "customers",
        &columns,
        &["read".to_owned()],
        false,
    )
    .await?;
    seed_customers(db, tenant).await?;

    let mut sdk = sdk::host_files();
    sdk.insert(
        "src/data.json".into(),
        custom_tables::data_json(db, tenant, app_id).await?,
    );
    sdk.insert(
        "src/db.json".into(),
        crate::data::refs::db_json(db, tenant, app_id).await?,
    );
    let version = state
        .compiler()
        .version(db, app.id, app.vfs_version)
        .await?;
    let compiled = state.compiler().compile(version, sdk, Mode::Minified).await;
    if let Outcome::Failure { errors } = &*compiled.outcome {
        anyhow::bail!(
            "the demo app does not compile:\n{}",
            appbox_compiler::diagnostic::render_all(errors)
        );
    }
    crate::builder::publish::publish(
        db,
        tenant,
        app_id,
        owner,
        "The demo app",
        Some(app.vfs_version),
        true,
    )
    .await?;
    Ok(apps::find_app(db, Some(tenant), &app.id.to_string()).await?)
}

async fn seed_customers(db: &Db, tenant: Id) -> Result<(), sqlx::Error> {
    for (name, email, city) in CUSTOMERS {
        on_db!(db, |pool| {
            sqlx::query(
                "INSERT INTO customers (id, tenant_id, name, email, city) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Id::new())
            .bind(tenant)
            .bind(name)
            .bind(email)
            .bind(city)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sdk;

    #[test]
    fn the_demo_is_the_template_with_its_own_pages_and_no_sdk_files() {
        let files = super::files();
        for page in ["TasksPage.tsx", "CustomersPage.tsx", "DashboardPage.tsx"] {
            assert!(files.contains_key(&format!("src/pages/{page}")), "{page}");
        }
        // The demo's own files win over the template's...
        assert!(files["src/pages/DashboardPage.tsx"].contains("Welcome to the demo app"));
        assert!(files["src/App.tsx"].contains("./demo.css"));
        // ...and what it does not change comes from the template.
        assert_eq!(
            files["src/components/AppLayout.tsx"],
            sdk::template_files()["src/components/AppLayout.tsx"]
        );
        assert!(sdk::HOST_OWNED_PATHS
            .iter()
            .all(|p| !files.contains_key(*p)));
    }
}
