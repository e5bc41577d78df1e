//! The OpenAPI 3.1 document, built from the route table and the schema descriptions below.

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};

use super::auth::{class_of, AuthClass};
use super::ROUTES;

/// `GET /v1/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document().to_string(),
    )
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method.to_lowercase(), route.path.trim_start_matches("/v1/").replace(['/', '-', '{', '}', '.'], "_")),
            "responses": {
                "200": { "description": "OK", "content": { "application/json": { "schema": schema_ref(route.response) } } },
                "default": { "description": "Error", "content": { "application/json": { "schema": schema_ref("ErrorBody") } } }
            }
        });
        if let Some(request) = route.request {
            op["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": schema_ref(request) } }
            });
        }
        let mut parameters = Vec::new();
        if route.path.contains("{id}") {
            parameters.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }));
        }
        if route.method == "POST" {
            parameters.push(json!({ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "minLength": 8, "maxLength": 128 } }));
        }
        for (name, query) in query_parameters(route.path) {
            parameters
                .push(json!({ "name": name, "in": "query", "required": false, "schema": query }));
        }
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        let security = match class_of(route.path) {
            AuthClass::None => json!([]),
            AuthClass::App => json!([{ "deviceSignature": [] }]),
            AuthClass::RelyingParty => json!([{ "apiKey": [] }]),
            AuthClass::Staff => json!([{ "staffSession": [] }]),
            AuthClass::Citizen => json!([{ "citizenSession": [] }]),
        };
        op["security"] = security;
        entry[route.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "MitID reference server",
            "version": "1",
            "description": "See docs/api.md for the rules behind each endpoint and docs/protocol.md for the app protocol."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "deviceSignature": { "type": "apiKey", "in": "header", "name": "X-MitID-Signature", "description": "ECDSA P-256 signature by the device key over signing::request_message, with X-MitID-Authenticator, X-MitID-Timestamp and X-MitID-Nonce" },
                "apiKey": { "type": "http", "scheme": "bearer", "description": "Relying-party API key" },
                "staffSession": { "type": "http", "scheme": "bearer", "description": "Token from /v1/staff/login" },
                "citizenSession": { "type": "http", "scheme": "bearer", "description": "Token from a /v1/web/login endpoint" }
            },
            "schemas": super::openapi_schemas::schemas()
        }
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn query_parameters(path: &str) -> Vec<(&'static str, Value)> {
    match path {
        "/v1/app/approvals/pending" => vec![(
            "wait_seconds",
            json!({ "type": "integer", "minimum": 0, "maximum": 30 }),
        )],
        "/v1/staff/outbox" => vec![("person_id", json!({ "type": "string" }))],
        "/v1/staff/audit" => vec![
            ("person_id", json!({ "type": "string" })),
            ("after", json!({ "type": "integer" })),
        ],
        _ => Vec::new(),
    }
}
