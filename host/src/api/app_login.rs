//! The unified sign-in page of external and self-built apps (spec 001
//! §19.6): where `window.__triggerLogin__(path)` sends a visitor of an app
//! that has no LoginPage of its own. `GET /externalAppLogin/{slug}?return_path=#/x`
//! shows e-mail and password (sign in or sign up, through
//! `/api/v1/custom-app-auth/{slug}/…`) and the app's OAuth providers; the
//! tokens go into the same localStorage keys the Auth SDK reads (§19.7,
//! same origin), then the visitor goes back to the app page with
//! `?route=` set to the return path (`__INITIAL_ROUTE__`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app_users::{self, oauth, AppUserError};
use crate::builder::assets::escape_html;
use crate::serving::runtime::valid_route;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login_page))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LoginQuery {
    /// Where in the app to land after sign-in, e.g. `#/orders`.
    return_path: Option<String>,
}

/// A JSON string safe inside `<script>`.
pub(super) fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The sign-in page of an external app's own users (`__triggerLogin__`):
/// e-mail and password, and the app's enabled OAuth providers.
#[utoipa::path(get, path = "/externalAppLogin/{slug}", tag = "pages",
    params(("slug" = String, Path, description = "the app's slug"), LoginQuery),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 404, content_type = "text/html", body = String, description = "no such app, or it has no sign-in of its own")))]
async fn login_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let app = match app_users::find_auth_app(state.db(), &slug).await {
        Ok(app) => app,
        Err(AppUserError::AppNotFound | AppUserError::AuthNotSupported) => {
            return (
                StatusCode::NOT_FOUND,
                Html("<!DOCTYPE html><title>Not found</title><p>找不到此應用</p>".to_owned()),
            )
                .into_response();
        }
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let providers = oauth::enabled_providers(state.db(), app.id)
        .await
        .unwrap_or_default();
    let name: Option<String> =
        crate::builder::apps::find_app(state.db(), Some(app.tenant_id), &app.id.to_string())
            .await
            .ok()
            .map(|a| a.name);
    let return_path = query
        .return_path
        .as_deref()
        .and_then(valid_route)
        .unwrap_or("#/")
        .to_owned();
    let config = serde_json::json!({
        "slug": app.slug,
        "returnPath": return_path,
        "providers": providers,
    });
    let title = escape_html(name.as_deref().unwrap_or("App"));
    let page = format!(
        r##"<!DOCTYPE html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登入 · {title}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f5f6f8;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}}
main{{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001;width:min(360px,90vw)}}
h1{{font-size:1.3rem;margin:0 0 1rem}}
label{{display:block;margin:.6rem 0 .2rem;font-size:.9rem}}
input{{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #ccd;border-radius:6px}}
button{{margin-top:1rem;width:100%;padding:.6rem;border:0;border-radius:6px;background:#2456d3;color:#fff;font-size:1rem;cursor:pointer}}
#error{{color:#b00020;min-height:1.2em;margin-top:.6rem}}
#providers a{{display:block;text-align:center;margin-top:.5rem;padding:.5rem;border:1px solid #ccd;border-radius:6px;color:#222;text-decoration:none}}
.switch{{margin-top:1rem;font-size:.9rem;text-align:center}}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<form id="form">
<div id="name-row" hidden><label for="display_name">顯示名稱</label><input id="display_name" name="display_name" autocomplete="name"></div>
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required>
<label for="password">密碼</label><input id="password" name="password" type="password" autocomplete="current-password" minlength="6" required>
<button id="submit" type="submit">登入</button>
<p id="error" role="alert"></p>
</form>
<div id="providers"></div>
<p class="switch"><a href="#" id="switch">還沒有帳號?立即註冊</a></p>
</main>
<script>
(function () {{
  var config = {config};
  var register = false;
  var api = "/api/v1/custom-app-auth/" + encodeURIComponent(config.slug) + "/";
  var back = "/externalAppRuntime/" + encodeURIComponent(config.slug) + "?route=" + encodeURIComponent(config.returnPath);
  var $ = function (id) {{ return document.getElementById(id); }};
  config.providers.forEach(function (p) {{
    var a = document.createElement("a");
    a.href = "/api/v1/custom-app-oauth/" + encodeURIComponent(config.slug) + "/" + encodeURIComponent(p) + "/authorize?return_path=" + encodeURIComponent(config.returnPath);
    a.textContent = p === "line" ? "使用 LINE 登入" : p === "google" ? "使用 Google 登入" : p;
    $("providers").appendChild(a);
  }});
  $("switch").addEventListener("click", function (e) {{
    e.preventDefault();
    register = !register;
    $("name-row").hidden = !register;
    $("display_name").required = register;
    $("submit").textContent = register ? "建立帳號" : "登入";
    $("switch").textContent = register ? "已有帳號?前往登入" : "還沒有帳號?立即註冊";
  }});
  $("form").addEventListener("submit", function (e) {{
    e.preventDefault();
    $("error").textContent = "";
    var body = {{ email: $("email").value, password: $("password").value }};
    if (register) body.display_name = $("display_name").value;
    fetch(api + (register ? "register" : "login"), {{
      method: "POST",
      headers: {{ "Content-Type": "application/json" }},
      body: JSON.stringify(body)
    }}).then(function (res) {{
      return res.json().then(function (data) {{
        if (!res.ok) throw new Error(typeof data.detail === "string" ? data.detail : "登入失敗");
        localStorage.setItem("__custom_app_access_token__", data.access_token);
        localStorage.setItem("__custom_app_refresh_token__", data.refresh_token);
        location.href = back;
      }});
    }}).catch(function (err) {{ $("error").textContent = err.message || "登入失敗"; }});
  }});
}})();
</script>
</body>
</html>
"##,
        config = script_json(&config),
    );
    let mut response = Html(page).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
