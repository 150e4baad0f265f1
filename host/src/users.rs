//! `appbox user add|list|disable|enable`: user management from the shell,
//! straight on the database (like PocketBase's `superuser` command).

use anyhow::Context;

use crate::accounts::{self, random_hex};
use crate::cli::UserCommand;
use crate::server::open_storage;

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            storage,
            email,
            tenant,
            name,
            password,
            role,
        } => {
            let db = open_storage(&storage).await?;
            let tenant = match tenant {
                Some(name) => match accounts::tenant_by_name(&db, &name).await? {
                    Some(id) => id,
                    None => {
                        println!("Created tenant {name:?}");
                        accounts::create_tenant(&db, &name).await?
                    }
                },
                None => accounts::first_tenant(&db).await?.context(
                    "no tenant yet: run `appbox serve` once to create the first tenant and admin",
                )?,
            };
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (random_hex(12), true),
            };
            accounts::create_user(&db, tenant, &email, &name, &password, role.name()).await?;
            println!(
                "Added {} with role {}",
                email.trim().to_lowercase(),
                role.name()
            );
            if generated {
                println!("Generated password (shown only now): {password}");
            }
        }
        UserCommand::List { storage, json } => {
            let db = open_storage(&storage).await?;
            let users = accounts::list_users(&db).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!(
                    "{:<36}  {:<8}  {:<16}  PERMISSIONS",
                    "EMAIL", "ACTIVE", "ROLES"
                );
                for user in users {
                    println!(
                        "{:<36}  {:<8}  {:<16}  {}",
                        user.email,
                        if user.is_active { "yes" } else { "no" },
                        user.roles.join(","),
                        user.permissions.join(",")
                    );
                }
            }
        }
        UserCommand::Disable { storage, email } => {
            let db = open_storage(&storage).await?;
            accounts::set_user_active(&db, &email, false).await?;
            println!("Disabled {}", email.trim().to_lowercase());
        }
        UserCommand::Enable { storage, email } => {
            let db = open_storage(&storage).await?;
            accounts::set_user_active(&db, &email, true).await?;
            println!("Enabled {}", email.trim().to_lowercase());
        }
    }
    Ok(())
}
