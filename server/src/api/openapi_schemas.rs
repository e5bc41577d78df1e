//! The component schemas of the OpenAPI document, described compactly: each type's fields
//! with their JSON type; a `?` suffix marks an optional field.

use serde_json::{json, Map, Value};

fn field_schema(kind: &str) -> Value {
    match kind {
        "string" => json!({ "type": "string" }),
        "secret" => {
            json!({ "type": "string", "format": "password", "description": "secret: never logged or stored in clear" })
        }
        "bytes" => {
            json!({ "type": "string", "contentEncoding": "base64url", "description": "unpadded base64url" })
        }
        "int" => json!({ "type": "integer" }),
        "time" => json!({ "type": "integer", "description": "Unix seconds (UTC)" }),
        "bool" => json!({ "type": "boolean" }),
        "json" => json!({}),
        other if other.starts_with('[') => {
            json!({ "type": "array", "items": field_schema(other.trim_start_matches('[').trim_end_matches(']')) })
        }
        other if other.starts_with('#') => {
            json!({ "$ref": format!("#/components/schemas/{}", &other[1..]) })
        }
        other if other.contains('|') => {
            json!({ "type": "string", "enum": other.split('|').collect::<Vec<_>>() })
        }
        _ => json!({}),
    }
}

fn object(fields: &[(&str, &str)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, kind) in fields {
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*name, false),
        };
        properties.insert(name.to_owned(), field_schema(kind));
        if !optional {
            required.push(Value::from(name));
        }
    }
    json!({ "type": "object", "additionalProperties": false, "properties": properties, "required": required })
}

const STATE: &str = "active|temporarily_locked|permanently_blocked|revoked";
const KIND: &str = "app|password|code_display|audio_code_reader|chip";
const LOCK: &str = "pin_failures|code_failures|citizen_block|staff_block";
const STATUS: &str = "pending|approved|rejected|expired|failed";
const FACTOR: &str = "swipe|pin|biometrics";
const BINDING: &str = "code|qr";
const ASSURANCE: &str = "low|substantial";
const SCOPE: &str = "authenticator|whole_mitid";
const ROLE: &str = "registry|support|citizen_service|admin";
const DELIVERY: &str = "sms|paper";
const PURPOSE: &str = "approval|change_pin|enable_biometrics|profile_change|change_user_id|block";

/// Every schema the routes refer to.
pub fn schemas() -> Value {
    let list: Vec<(&str, Value)> = vec![
        ("Empty", object(&[])),
        (
            "OpenApi",
            json!({ "type": "object", "description": "an OpenAPI 3.1 document" }),
        ),
        ("ErrorBody", object(&[("error", "#ErrorDetail")])),
        (
            "ErrorDetail",
            object(&[
                ("code", "string"),
                ("message", "string"),
                ("detail?", "json"),
            ]),
        ),
        (
            "ActivationBeginRequest",
            object(&[("user_id", "string"), ("activation_code", "secret")]),
        ),
        (
            "ActivationBeginResponse",
            object(&[
                ("activation_id", "string"),
                ("authenticator_id", "string"),
                ("sms_sent_to", "string"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "ActivationRegisterRequest",
            object(&[
                ("activation_id", "string"),
                ("temporary_pin", "secret"),
                ("registration_request", "bytes"),
            ]),
        ),
        (
            "ActivationRegisterResponse",
            object(&[("registration_response", "bytes")]),
        ),
        (
            "ActivationFinishRequest",
            object(&[
                ("activation_id", "string"),
                ("registration_upload", "bytes"),
                ("device_public_key", "bytes"),
                ("key_binding_signature", "bytes"),
            ]),
        ),
        (
            "ActivationFinishResponse",
            object(&[("authenticator_id", "string"), ("user_id", "string")]),
        ),
        (
            "PinStartRequest",
            object(&[
                ("purpose", PURPOSE),
                ("transaction_id?", "string"),
                ("ke1", "bytes"),
            ]),
        ),
        (
            "PinStartResponse",
            object(&[
                ("attempt_id", "string"),
                ("ke2", "bytes"),
                ("expires_at", "time"),
                ("remaining_after_this", "int"),
            ]),
        ),
        (
            "PinProof",
            object(&[("attempt_id", "string"), ("ke3", "bytes"), ("mac", "bytes")]),
        ),
        (
            "PendingApproval",
            object(&[
                ("transaction_id", "string"),
                ("challenge", "bytes"),
                ("service_provider", "string"),
                ("reference_header", "string"),
                ("reference_body", "string"),
                ("channel_binding_kind", BINDING),
                ("assurance", ASSURANCE),
                ("expires_at", "time"),
            ]),
        ),
        (
            "PendingResponse",
            json!({ "type": "object", "additionalProperties": false, "properties": { "approval": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/PendingApproval" }] } }, "required": ["approval"] }),
        ),
        (
            "ApprovalAnswerRequest",
            object(&[
                ("transaction_id", "string"),
                ("challenge", "bytes"),
                ("approve", "bool"),
                ("factor", FACTOR),
                ("channel_binding", "string"),
                ("counter", "int"),
                ("signature", "bytes"),
                ("pin?", "#PinProof"),
                ("biometric_signature?", "bytes"),
            ]),
        ),
        ("ApprovalAnswerResponse", object(&[("status", STATUS)])),
        (
            "NewPinAuthoriseRequest",
            object(&[
                ("route", "current_pin|biometrics|temporary_pin"),
                ("pin?", "#PinProof"),
                ("biometric?", "#BiometricProof"),
                ("temporary_pin?", "secret"),
            ]),
        ),
        (
            "NewPinTicket",
            object(&[("ticket_id", "string"), ("expires_at", "time")]),
        ),
        (
            "NewPinBeginRequest",
            object(&[("ticket_id", "string"), ("registration_request", "bytes")]),
        ),
        (
            "NewPinBeginResponse",
            object(&[("registration_response", "bytes")]),
        ),
        (
            "NewPinFinishRequest",
            object(&[("ticket_id", "string"), ("registration_upload", "bytes")]),
        ),
        (
            "BiometricsEnableRequest",
            object(&[
                ("pin", "#PinProof"),
                ("biometric_public_key", "bytes"),
                ("key_binding_signature", "bytes"),
            ]),
        ),
        (
            "AppStatus",
            object(&[
                ("authenticator_id", "string"),
                ("user_id", "string"),
                ("state", STATE),
                ("lock_reason?", LOCK),
                ("mitid_blocked", "bool"),
                ("biometrics_enabled", "bool"),
                ("failures", "int"),
                ("remaining_before_lock", "int"),
                ("counter", "int"),
            ]),
        ),
        (
            "UserIdChangeRequest",
            object(&[("new_user_id", "string"), ("check_only?", "bool")]),
        ),
        (
            "UserIdChangeResponse",
            object(&[
                ("verdict", "valid|invalid|taken"),
                ("rule?", "string"),
                ("user_id", "string"),
                ("changed", "bool"),
            ]),
        ),
        (
            "AuthenticatorInfo",
            object(&[
                ("authenticator_id", "string"),
                ("kind", KIND),
                ("state", STATE),
                ("lock_reason?", LOCK),
                ("locked_until?", "time"),
                ("serial?", "string"),
                ("biometrics_enabled?", "bool"),
                ("created_at", "time"),
            ]),
        ),
        (
            "AuthenticatorList",
            object(&[
                ("mitid_blocked", "bool"),
                ("authenticators", "[#AuthenticatorInfo]"),
            ]),
        ),
        (
            "SendNewPinRequest",
            object(&[("authenticator_id", "string")]),
        ),
        (
            "CodeSent",
            object(&[("sms_sent_to", "string"), ("expires_at", "time")]),
        ),
        (
            "BlockRequest",
            object(&[
                ("scope", SCOPE),
                ("authenticator_id?", "string"),
                ("permanent?", "bool"),
            ]),
        ),
        (
            "UnblockRequest",
            object(&[("scope", SCOPE), ("authenticator_id?", "string")]),
        ),
        (
            "PasswordAccess",
            object(&[("requested_at", "time"), ("opens_at", "time")]),
        ),
        (
            "CreateAuthenticationRequest",
            object(&[
                ("user_id", "string"),
                ("reference_header", "string"),
                ("reference_body", "string"),
                ("channel_binding", BINDING),
                ("assurance?", ASSURANCE),
            ]),
        ),
        (
            "CreateAuthenticationResponse",
            object(&[
                ("transaction_id", "string"),
                ("channel_binding", BINDING),
                ("code?", "string"),
                ("qr_token?", "string"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "AuthenticationResult",
            object(&[
                ("transaction_id", "string"),
                ("status", STATUS),
                ("factor?", FACTOR),
                ("subject?", "string"),
                ("user_id?", "string"),
                ("answered_at?", "time"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "QrTokenResponse",
            object(&[("token", "string"), ("refresh_after_seconds", "int")]),
        ),
        (
            "StaffLoginRequest",
            object(&[
                ("username", "string"),
                ("password", "secret"),
                ("otp", "secret"),
            ]),
        ),
        (
            "StaffLoginResponse",
            object(&[("token", "secret"), ("role", ROLE), ("expires_at", "time")]),
        ),
        (
            "CreatePersonRequest",
            object(&[
                ("cpr", "string"),
                ("name", "string"),
                ("birth_date", "string"),
                ("mobile?", "string"),
                ("email?", "string"),
                ("passport_number?", "string"),
                ("driver_licence_number?", "string"),
                ("user_id", "string"),
            ]),
        ),
        (
            "PersonView",
            object(&[
                ("person_id", "string"),
                ("user_id", "string"),
                ("name", "string"),
                ("birth_date", "string"),
                ("mobile_masked?", "string"),
                ("mobile_changed_at?", "time"),
                ("has_email", "bool"),
                ("mitid_blocked", "bool"),
                ("authenticators", "[#AuthenticatorInfo]"),
            ]),
        ),
        (
            "UpdateContactRequest",
            object(&[("mobile?", "string"), ("email?", "string")]),
        ),
        (
            "IdentifyRequest",
            object(&[
                ("document_kind", "passport|driver_licence"),
                ("document_number", "string"),
                ("name?", "string"),
                ("birth_date?", "string"),
                ("cpr_last4?", "string"),
            ]),
        ),
        (
            "IdentifyResponse",
            object(&[
                ("identification_token", "secret"),
                ("person_id", "string"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "IssueTemporaryPinRequest",
            object(&[
                ("identification_token", "secret"),
                ("authenticator_id", "string"),
                ("delivery", DELIVERY),
            ]),
        ),
        (
            "IssueActivationCodeRequest",
            object(&[
                ("identification_token", "secret"),
                ("purpose", "new_app|new_password"),
                ("delivery", DELIVERY),
            ]),
        ),
        (
            "IssuedCode",
            object(&[
                ("delivery", DELIVERY),
                ("sms_sent_to?", "string"),
                ("code?", "secret"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "IdentifiedRequest",
            object(&[("identification_token", "secret")]),
        ),
        ("UserIdLookupResponse", object(&[("user_id", "string")])),
        (
            "StaffBlockRequest",
            object(&[
                ("identification_token", "secret"),
                ("scope", SCOPE),
                ("authenticator_id?", "string"),
                ("permanent?", "bool"),
            ]),
        ),
        (
            "AddAuthenticatorRequest",
            object(&[
                ("identification_token", "secret"),
                ("kind", "code_display|audio_code_reader|chip"),
                ("serial", "string"),
                ("totp_secret?", "secret"),
                ("chip_public_key?", "bytes"),
            ]),
        ),
        (
            "OutboxEntry",
            object(&[
                ("message_id", "int"),
                ("channel", "sms|email"),
                ("recipient_masked", "string"),
                ("kind", "string"),
                ("person_id?", "string"),
                ("created_at", "time"),
                ("sent_at?", "time"),
            ]),
        ),
        (
            "OutboxList",
            object(&[("messages", "[#OutboxEntry]"), ("next_after?", "int")]),
        ),
        (
            "IdentifiedOutboxRequest",
            object(&[
                ("identification_token", "secret"),
                ("after?", "int"),
                ("limit?", "int"),
            ]),
        ),
        (
            "AuditEvent",
            object(&[
                ("seq", "int"),
                ("at", "time"),
                ("actor", "string"),
                ("event", "string"),
                ("person_id?", "string"),
                ("authenticator_id?", "string"),
                ("detail?", "json"),
            ]),
        ),
        ("AuditList", object(&[("events", "[#AuditEvent]")])),
        ("CreateRelyingPartyRequest", object(&[("name", "string")])),
        (
            "RelyingPartyCreated",
            object(&[
                ("relying_party_id", "string"),
                ("name", "string"),
                ("api_key", "secret"),
            ]),
        ),
        (
            "CreateStaffRequest",
            object(&[
                ("username", "string"),
                ("password", "secret"),
                ("role", ROLE),
            ]),
        ),
        (
            "StaffCreated",
            object(&[
                ("username", "string"),
                ("role", ROLE),
                ("totp_seed", "secret"),
                ("otpauth_uri", "secret"),
            ]),
        ),
        (
            "StaffAccountRequest",
            object(&[
                ("username", "string"),
                ("action", "disable|enable|revoke_sessions"),
            ]),
        ),
        (
            "StaffAccountView",
            object(&[
                ("username", "string"),
                ("role", ROLE),
                ("disabled", "bool"),
                ("sessions_ended", "int"),
            ]),
        ),
        ("WebAppLoginStartRequest", object(&[("user_id", "string")])),
        (
            "WebAppLoginStartResponse",
            object(&[
                ("login_id", "string"),
                ("login_secret", "secret"),
                ("code", "string"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "WebAppLoginFinishRequest",
            object(&[("login_id", "string"), ("login_secret", "secret")]),
        ),
        (
            "WebPasswordLoginRequest",
            object(&[
                ("user_id", "string"),
                ("password", "secret"),
                ("otp", "secret"),
            ]),
        ),
        (
            "WebLoginResponse",
            object(&[
                ("status", STATUS),
                ("session_token?", "secret"),
                ("expires_at?", "time"),
            ]),
        ),
        (
            "PasswordActivateRequest",
            object(&[
                ("user_id", "string"),
                ("activation_code", "secret"),
                ("new_password", "secret"),
            ]),
        ),
        (
            "PasswordChangeRequest",
            object(&[("new_password", "secret")]),
        ),
        (
            "PasswordChanged",
            object(&[("authenticator_id", "string"), ("changed_at", "time")]),
        ),
        ("BiometricChallengeRequest", object(&[("purpose", PURPOSE)])),
        (
            "BiometricChallengeResponse",
            object(&[
                ("challenge_id", "string"),
                ("challenge", "bytes"),
                ("expires_at", "time"),
            ]),
        ),
        (
            "BiometricProof",
            object(&[("challenge_id", "string"), ("signature", "bytes")]),
        ),
        (
            "ProfileChangeRequest",
            object(&[("pin?", "#PinProof"), ("biometric?", "#BiometricProof")]),
        ),
        (
            "ProfileChangeAccess",
            object(&[
                ("requested_at", "time"),
                ("opens_at", "time"),
                ("closes_at", "time"),
            ]),
        ),
        (
            "AppUserIdChangeRequest",
            object(&[
                ("new_user_id", "string"),
                ("check_only?", "bool"),
                ("pin?", "#PinProof"),
                ("biometric?", "#BiometricProof"),
            ]),
        ),
        (
            "AppBlockRequest",
            object(&[
                ("scope", SCOPE),
                ("authenticator_id?", "string"),
                ("permanent?", "bool"),
                ("pin?", "#PinProof"),
                ("biometric?", "#BiometricProof"),
            ]),
        ),
    ];
    let mut map = Map::new();
    for (name, schema) in list {
        map.insert(name.to_owned(), schema);
    }
    Value::Object(map)
}
