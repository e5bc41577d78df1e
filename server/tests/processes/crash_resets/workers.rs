//! The phones that reset their PINs and the attacker's phones that guess, until the server process dies.

use super::*;

// ------------------------------------------------------------------------ resetters

/// Where a resetting phone was when the process died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stage {
    /// Between resets (getting a temporary PIN from citizen service, or idle).
    Idle,
    /// `pin/new/authorise` with the temporary PIN sent, no answer.
    BeginSent,
    /// `pin/new/authorise` answered 200 (its entry counted), finish not sent.
    BeginAnswered,
    /// `pin/new/finish` sent for `new_pin`, no answer.
    FinishSent { new_pin: String },
}

#[derive(Debug)]
pub(super) struct Resetter {
    /// The PIN in force as far as the phone knows (the last confirmed reset's).
    pub(super) pin: String,
    /// The PIN before it (must be refused after a confirmed reset).
    pub(super) previous: Option<String>,
    pub(super) stage: Stage,
    pub(super) confirmed: u32,
    pub(super) unexpected: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Signal {
    Ke2,
    BeginAnswered,
    FinishSent,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn reset_worker(
    http: reqwest::Client,
    base: String,
    staff_token: String,
    person: Person,
    phone: Arc<Phone>,
    state: Arc<Mutex<Resetter>>,
    signals: mpsc::UnboundedSender<Signal>,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let set = |stage: Stage| state.lock().unwrap().stage = stage;
    let fail = |what: String| state.lock().unwrap().unexpected.push(what);
    loop {
        set(Stage::Idle);
        let temp = match paper_temp_pin(&http, &base, &staff_token, &person, &phone).await {
            Ok(t) => t,
            Err(e) if e == "no answer" => return,
            Err(e) => return fail(e),
        };
        let new_pin = format!("{:06}", rng.gen_range(0..1_000_000));
        let pw = phone.password(&new_pin);
        let (request, reg_state) = client_registration_start(&pw, PinSuite::CURRENT).unwrap();
        set(Stage::BeginSent);
        let reply = signed(
            &http,
            &base,
            &phone,
            "POST",
            "/v1/app/pin/new/authorise",
            &json!({ "route": "temporary_pin", "temporary_pin": temp }),
        )
        .await;
        let ticket: NewPinTicket = match reply {
            // Refused at connect: the request never reached the server.
            Err(e) if e.is_connect() => return set(Stage::Idle),
            Err(_) => return,
            Ok((200, body)) => serde_json::from_value(body).unwrap(),
            Ok((status, body)) => return fail(format!("pin/new/authorise: {status} {body}")),
        };
        set(Stage::BeginAnswered);
        let _ = signals.send(Signal::BeginAnswered);
        let reply = signed(
            &http,
            &base,
            &phone,
            "POST",
            "/v1/app/pin/new/begin",
            &json!({ "ticket_id": ticket.ticket_id, "registration_request": B64(request) }),
        )
        .await;
        let begin: NewPinBeginResponse = match reply {
            Err(_) => return,
            Ok((200, body)) => serde_json::from_value(body).unwrap(),
            Ok((status, body)) => return fail(format!("pin/new/begin: {status} {body}")),
        };
        let upload = client_registration_finish(
            reg_state,
            &pw,
            &begin.registration_response.0,
            &phone.authenticator_id,
        )
        .unwrap();
        set(Stage::FinishSent {
            new_pin: new_pin.clone(),
        });
        let _ = signals.send(Signal::FinishSent);
        let reply = signed(
            &http,
            &base,
            &phone,
            "POST",
            "/v1/app/pin/new/finish",
            &json!({ "ticket_id": ticket.ticket_id, "registration_upload": B64(upload) }),
        )
        .await;
        match reply {
            Err(e) if e.is_connect() => return set(Stage::BeginAnswered),
            Err(_) => return,
            Ok((200, _)) => {
                let mut s = state.lock().unwrap();
                let old = std::mem::replace(&mut s.pin, new_pin);
                s.previous = Some(old);
                s.stage = Stage::Idle;
                s.confirmed += 1;
            }
            Ok((status, body)) => return fail(format!("pin/new/finish: {status} {body}")),
        }
    }
}

// ------------------------------------------------------------------------ attackers

/// Wrong-PIN `pin/start`s until the process dies; counts the KE2s received.
pub(super) async fn attempt_worker(
    http: reqwest::Client,
    base: String,
    phone: Arc<Phone>,
    ke2s: Arc<AtomicU32>,
    signals: mpsc::UnboundedSender<Signal>,
    start_after: Duration,
) {
    tokio::time::sleep(start_after).await;
    loop {
        let (ke1, _) = client_login_start(&phone.password("000000"), phone.suite).unwrap();
        let reply = signed(
            &http,
            &base,
            &phone,
            "POST",
            "/v1/app/pin/start",
            &json!({ "purpose": "change_pin", "ke1": B64(ke1) }),
        )
        .await;
        match reply {
            Err(_) => return,
            Ok((200, body)) => {
                if serde_json::from_value::<PinStartResponse>(body).is_ok() {
                    ke2s.fetch_add(1, Ordering::SeqCst);
                    let _ = signals.send(Signal::Ke2);
                }
            }
            // Refused (locked): keep the server busy, a little slower.
            Ok(_) => tokio::time::sleep(Duration::from_millis(3)).await,
        }
    }
}
