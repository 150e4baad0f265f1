//! What `/openapi.json` says beyond the handlers' own annotations: the
//! errors every route gets from the shared extractors, the parameters of a
//! nested prefix, and the answer to a route that does not exist.
//!
//! Every route of the server is registered through `OpenApiRouter`, so the
//! document lists exactly the routes the router has (`tests/e2e/openapi.rs`
//! checks that each one answers and that its path parameters are the ones in
//! its path); only the documentation itself (`/docs`, `/openapi.json`) is not
//! in it.

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use utoipa::openapi::content::Content;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ObjectBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Type};

use utoipa_axum::router::OpenApiRouter;

use super::callers::CallerKind;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// Where a client learns the routes; named by every unknown-route answer.
pub(super) const DOCS: &str = "/docs";

/// The operations of one path, whatever their methods.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// Declares `{name}`, a parameter of a prefix that `OpenApiRouter::nest`
/// puts in front of every path of `openapi` (the handlers' annotations do
/// not know it, as the same handlers also serve prefixes without it).
pub(super) fn add_prefix_parameter(openapi: &mut OpenApi, name: &str, description: &str) {
    for item in openapi.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            let parameter: Parameter = ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .insert(0, parameter);
        }
    }
}

/// Adds the error answers that come from the shared extractors to every
/// operation that can meet them, where its annotation does not say more:
/// 401 where a token is required (`PlatformUser`, `Builder`), 400/413/415/422
/// where a JSON body is required (`ApiJson`), 400 where path or query parameters
/// are parsed (`ApiPath`, `ApiQuery`).
pub(super) fn add_shared_errors(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.required == Some(Required::True));
            let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, text: &str| {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(text));
            };
            if secured {
                add("401", "No token, or an invalid or expired one: sign in with `POST /api/v1/auth/login`");
            }
            if has_body {
                add("400", "The body is not valid JSON");
                add("413", "The body is larger than the server's limit");
                add(
                    "415",
                    "The body is not sent as `Content-Type: application/json`",
                );
                add(
                    "422",
                    "The JSON does not have the documented shape (the detail names the field)",
                );
            } else if has_parameters {
                add("400", "A parameter does not have the documented type");
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))),
        )
        .build()
        .into()
}

/// The longest part of a request's path repeated in an error answer.
const MAX_ECHOED_PATH: usize = 200;

fn echoed(uri: &Uri) -> String {
    let path = uri.path();
    match path.char_indices().nth(MAX_ECHOED_PATH) {
        Some((end, _)) => format!("{}…", &path[..end]),
        None => path.to_owned(),
    }
}

/// The answer to a path no route matches. It names the request and where
/// the routes are listed, so a client can tell it from a resource that does
/// not exist (whose 404 names the resource: "App not found", …).
pub(super) async fn unknown_route(method: Method, uri: Uri) -> AppError {
    AppError::NotFound(format!(
        "No route {method} {}: this server has no such endpoint. Every route is listed at {DOCS} (OpenAPI: /openapi.json).",
        echoed(&uri)
    ))
}

/// The answer to a known path with a method it does not have (axum adds
/// the `Allow` header).
pub(super) async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let detail = format!(
        "{} has no {method} route; the `Allow` header lists its methods, and every route is listed at {DOCS} (OpenAPI: /openapi.json).",
        echoed(&uri)
    );
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(ErrorBody {
            detail,
            details: None,
        }),
    )
        .into_response()
}

/// Mounts handlers shared by several prefixes for one kind of caller: the
/// extractors read `kind`, and the document names `scheme` (`bearer` or
/// `api_key`), how that caller signs in — the same handler needs a token
/// under one prefix and a key under another.
pub(super) fn for_callers(
    mut router: OpenApiRouter<AppState>,
    kind: CallerKind,
    scheme: &str,
) -> OpenApiRouter<AppState> {
    for item in router.get_openapi_mut().paths.paths.values_mut() {
        for operation in operations_mut(item) {
            operation.security = Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
        }
    }
    router.layer(Extension(kind))
}
