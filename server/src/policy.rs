//! Every account rule's number, in one place. The defaults are MitID's published rules;
//! tests and deployments may override any of them through [`Policy`].

/// The rule parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Active app instances allowed per person.
    pub max_active_apps: usize,
    /// Consecutive wrong PINs (and temporary PINs) that temporarily lock an app.
    pub pin_failures_to_lock: u32,
    /// Consecutive wrong PINs (and temporary PINs) that permanently block an app.
    pub pin_failures_to_block: u32,
    /// How long a started PIN attempt (KE2 sent) may be finished, in seconds.
    pub pin_attempt_ttl: i64,
    /// Temporary PIN: number of digits.
    pub temporary_pin_digits: usize,
    /// Temporary PIN: validity in seconds (30 minutes).
    pub temporary_pin_ttl: i64,
    /// Wrong entries that void a temporary PIN or an activation code.
    pub code_max_wrong: u32,
    /// Activation code by SMS: validity in seconds (30 minutes).
    pub activation_code_sms_ttl: i64,
    /// Activation code on paper from citizen service: validity in seconds (48 hours).
    pub activation_code_paper_ttl: i64,
    /// Activation codes: number of characters (digits).
    pub activation_code_digits: usize,
    /// P-code for a foreign passport or ID card, from citizen service: validity in seconds
    /// (60 days). It has 8 digits and is void after `code_max_wrong` wrong entries.
    pub p_code_ttl: i64,
    /// No code by SMS until this long after the mobile number changed (120 hours).
    pub mobile_change_quarantine: i64,
    /// An activation in progress (after the activation code): validity in seconds.
    pub activation_ttl: i64,
    /// A PIN change or reset between its two steps: validity in seconds.
    pub registration_ttl: i64,
    /// Approval transactions: validity in seconds (5 minutes).
    pub transaction_ttl: i64,
    /// Wrong channel-binding values that end a transaction.
    pub channel_binding_max_wrong: u32,
    /// Passport or ID-card checks a person may make in 24 hours (each counted before it runs).
    pub document_checks_per_day: u32,
    /// Other people's user IDs a person may look up in 24 hours ("Check user ID" and a
    /// change, on the app and MitID.dk): enough to choose a new one, too few to harvest the
    /// user IDs in use (each one a log-in name).
    pub user_id_lookups_per_day: u32,
    /// Longest long poll, in seconds.
    pub max_long_poll: u32,
    /// Accepted distance between a signed request's timestamp and the server's clock.
    pub request_time_window: i64,
    /// Password: shortest length.
    pub password_min_len: usize,
    /// Password: longest length.
    pub password_max_len: usize,
    /// Wrong passwords (or code-display codes at log-in) that lock the password for a while.
    pub password_failures_to_lock: u32,
    /// Wrong code-display codes that lock the code display for a while (the 3rd).
    pub totp_failures_to_lock: u32,
    /// How long a code-based lock lasts, in seconds.
    pub code_lock_duration: i64,
    /// TOTP time step in seconds (RFC 6238).
    pub totp_step: i64,
    /// Accepted TOTP clock drift, in steps either way.
    pub totp_drift_steps: i64,
    /// Wait between requesting access and changing the password in self-service (24 hours).
    pub password_access_wait: i64,
    /// How long the opened access stays open, in seconds.
    pub password_access_open_for: i64,
    /// Citizen self-service sessions, in seconds.
    pub citizen_session_ttl: i64,
    /// Staff sessions, in seconds.
    pub staff_session_ttl: i64,
    /// A support identification, in seconds.
    pub identification_ttl: i64,
    /// Answers an identification needs besides the document number.
    pub identification_min_answers: usize,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest body of a new-PIN authorisation, which may carry a passport's data groups and
    /// the face capture (bytes).
    pub max_document_body_bytes: usize,
    /// How long stored idempotent answers are kept, in seconds.
    pub idempotency_ttl: i64,
    /// After this long an unfinished idempotent request counts as abandoned, in seconds.
    pub idempotency_abandoned_after: i64,
    /// Longest reference-text header.
    pub max_reference_header: usize,
    /// Longest reference-text body.
    pub max_reference_body: usize,
    /// Wait between requesting and making a change of profile information (1 hour, help
    /// page 000).
    pub profile_change_wait: i64,
    /// How long the opened profile-change access stays open, in seconds.
    pub profile_change_open_for: i64,
    /// Codes sent by SMS per person per 24 hours at the citizen's own request (app, web).
    pub self_service_codes_per_day: u32,
    /// Wrong channel-binding values per person per 24 hours, across transactions, before
    /// the person's logins are refused for the rest of the day.
    pub binding_failures_per_day: u32,
    /// Failed identifications per staff member per hour before they are refused.
    pub identify_failures_per_staff_per_hour: u32,
    /// Failed identifications of one person per 24 hours before they are refused (the
    /// citizen then goes to citizen service).
    pub identify_failures_per_person_per_day: u32,
    /// Consecutive failed staff log-ins that lock the account (for `staff_lock_base`,
    /// doubling with every further failure).
    pub staff_failures_to_lock: u32,
    /// The first staff lock-out, in seconds.
    pub staff_lock_base: i64,
    /// Consecutive failed staff log-ins that disable the account (an administrator enables it).
    pub staff_failures_to_disable: u32,
    /// How recent a citizen's log-in must be to lift a block, in seconds.
    pub fresh_login_window: i64,
    /// Requests per minute from one source address to the anonymous log-in and code
    /// endpoints (per server process).
    pub anonymous_requests_per_source_per_minute: u32,
    /// Web log-ins with the app started per user ID per hour (known or not).
    pub web_login_starts_per_user_id_per_hour: u32,
    /// Logins started on the login page per user ID and source address in an hour that
    /// were not approved: a stranger who types a citizen's user ID holds the citizen's
    /// phone (and the citizen's own login-page starts) for a pending login's life each
    /// time, so one source may do so only this often; a citizen's approved logins do not
    /// count.
    pub unapproved_page_starts_per_source_per_hour: u32,
    /// Concurrent password hashes (Argon2id, 19 MiB each); 0 = one per CPU core.
    pub password_hash_slots: usize,
    /// How long a password check waits for a free slot before `busy`, in milliseconds.
    pub password_hash_wait_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        const MINUTE: i64 = 60;
        const HOUR: i64 = 60 * MINUTE;
        Self {
            max_active_apps: 3,
            pin_failures_to_lock: 3,
            pin_failures_to_block: 10,
            pin_attempt_ttl: 5 * MINUTE,
            temporary_pin_digits: 8,
            temporary_pin_ttl: 30 * MINUTE,
            code_max_wrong: 3,
            activation_code_sms_ttl: 30 * MINUTE,
            activation_code_paper_ttl: 48 * HOUR,
            activation_code_digits: 10,
            p_code_ttl: 60 * 24 * HOUR,
            mobile_change_quarantine: 120 * HOUR,
            activation_ttl: 30 * MINUTE,
            registration_ttl: 5 * MINUTE,
            transaction_ttl: 5 * MINUTE,
            channel_binding_max_wrong: 3,
            document_checks_per_day: 5,
            user_id_lookups_per_day: 30,
            max_long_poll: 30,
            request_time_window: 5 * MINUTE,
            password_min_len: 8,
            password_max_len: 64,
            password_failures_to_lock: 5,
            totp_failures_to_lock: 3,
            code_lock_duration: 30 * MINUTE,
            totp_step: 30,
            totp_drift_steps: 1,
            password_access_wait: 24 * HOUR,
            password_access_open_for: 7 * 24 * HOUR,
            citizen_session_ttl: 30 * MINUTE,
            staff_session_ttl: 8 * HOUR,
            identification_ttl: 15 * MINUTE,
            identification_min_answers: 2,
            max_body_bytes: 64 * 1024,
            max_document_body_bytes: 512 * 1024,
            idempotency_ttl: 24 * HOUR,
            idempotency_abandoned_after: MINUTE,
            max_reference_header: 120,
            max_reference_body: 500,
            profile_change_wait: HOUR,
            profile_change_open_for: 24 * HOUR,
            self_service_codes_per_day: 3,
            binding_failures_per_day: 9,
            identify_failures_per_staff_per_hour: 10,
            identify_failures_per_person_per_day: 3,
            staff_failures_to_lock: 5,
            staff_lock_base: 5 * MINUTE,
            staff_failures_to_disable: 10,
            fresh_login_window: 5 * MINUTE,
            anonymous_requests_per_source_per_minute: 30,
            web_login_starts_per_user_id_per_hour: 10,
            unapproved_page_starts_per_source_per_hour: 3,
            password_hash_slots: 0,
            password_hash_wait_ms: 2_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitid_protocol::wire::app::MAX_FACE_CAPTURE_BYTES;

    /// The largest capture the app sends fits in a document's body beside a passport's data
    /// groups (a DG2 face image and the SOD take up to about 100 KiB), all in base64, with
    /// the JSON around them.
    #[test]
    fn a_document_body_holds_the_largest_face_capture_and_the_data_groups() {
        let base64 = |bytes: usize| bytes.div_ceil(3) * 4;
        let body = base64(MAX_FACE_CAPTURE_BYTES) + base64(100 * 1024) + 4 * 1024;
        assert!(body <= Policy::default().max_document_body_bytes, "{body}");
    }
}
