//! The OpenAPI 3.1 document, built from the route table: its paths from the routes, its
//! schemas derived from the wire types themselves (`schemars`, which follows their serde
//! attributes), so a field cannot be described otherwise than it is parsed.

use axum::http::header;
use axum::response::IntoResponse;
use mitid_protocol::api_error::ErrorBody;
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
            "schemas": schemas()
        }
    })
}

/// The OpenAPI document itself, as a response (any JSON object).
pub struct OpenApi;

impl schemars::JsonSchema for OpenApi {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OpenApi".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "object" })
    }
}

/// Every schema the routes refer to, and those they use, as JSON Schema 2020-12 (the dialect
/// of OpenAPI 3.1) with references into `#/components/schemas/`.
fn schemas() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
    });
    let mut generator = settings.into_generator();
    super::register_schemas(&mut generator);
    generator.subschema_for::<ErrorBody>();
    Value::Object(generator.take_definitions(true))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The request bodies are parsed strictly (`deny_unknown_fields`): the derived schema of
    /// every one says so, and names the fields it requires.
    #[test]
    fn every_request_schema_is_strict_and_derived_from_its_type() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        for route in super::super::ROUTES {
            let Some(request) = route.request else {
                continue;
            };
            let schema = &schemas[request];
            assert_eq!(schema["type"], "object", "{request}");
            assert_eq!(schema["additionalProperties"], false, "{request}");
        }
        let login = &schemas["StaffLoginRequest"];
        assert_eq!(login["required"], json!(["username", "password", "otp"]));
        assert_eq!(login["properties"]["password"]["format"], "password");
    }
}
