//! What each request carries and how it is retried: a POST without an idempotency key is
//! sent once, one with a key is retried under the same key and a new nonce, and the key and
//! the nonces come from the randomness the app was given.

use super::*;

/// A client that tries a request three times, drawing from `random`, pinned to a server
/// whose every answer is a proxy's `502` page; what the server saw.
async fn retrying_behind_a_broken_proxy(
    random: Arc<dyn RandomSource>,
) -> (HttpClient, Arc<Mutex<Seen>>) {
    const PROXY: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 19\r\nconnection: close\r\n\r\n<h1>Bad Gateway</h1>";
    let (base, pin, seen) = tls_server_answering(&[&rustls::version::TLS13], PROXY).await;
    let endpoint = ServerEndpoint {
        base_url: base,
        key_pins: vec![pin, key_pin_of_spki(b"backup key held offline")],
    };
    let retrying = ClientTuning {
        retries: 2,
        ..tuning()
    };
    let client = HttpClient::new(&endpoint, retrying, Arc::new(SystemClock), random).unwrap();
    (client, seen)
}

/// A POST that the server does not treat as idempotent (no key: a log-in) is sent once,
/// however unreachable the answer; one with a key, and a GET, are retried. Before, every
/// request was retried, and a log-in whose answer was lost became a second log-in.
#[tokio::test]
async fn a_post_without_a_key_is_sent_once() {
    let (client, seen) = retrying_behind_a_broken_proxy(Arc::new(OsRandom)).await;
    let body = serde_json::json!({ "user_id": "someone" });
    let requests = || seen.lock().unwrap().requests;
    let sent = |request: Request<'static>| {
        let client = client.clone();
        async move { client.send::<serde_json::Value>(&request, None).await }
    };
    let keyed = Request::post("/v1/web/login/app/start", &body).unwrap();
    assert!(sent(keyed).await.is_err());
    assert_eq!(requests(), 3, "a keyed POST is retried");
    let once = Request::post("/v1/web/login/password", &body)
        .unwrap()
        .once();
    assert!(sent(once).await.is_err());
    assert_eq!(requests(), 4, "a POST without a key is sent once");
    assert!(sent(Request::get("/v1/app/status")).await.is_err());
    assert_eq!(requests(), 7, "a GET is retried");
}

/// Randomness that hands out `byte`, repeated, or nothing at all.
struct Scripted(Option<u8>);

/// Randomness that hands out 0, 1, 2, … (each draw's bytes all the draw's number).
struct Counting(Mutex<u8>);

impl RandomSource for Counting {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        let mut next = self.0.lock().unwrap();
        buf.fill(*next);
        *next += 1;
        Ok(())
    }
}

/// A signed POST retried after a proxy's 502 goes again under the same idempotency key,
/// drawn once for the send, and with a fresh nonce each time: a new key would make the retry
/// a second request to the server, the same nonce a replay.
#[tokio::test]
async fn a_retry_keeps_the_drawn_key_and_draws_a_new_nonce() {
    let (client, seen) = retrying_behind_a_broken_proxy(Arc::new(Counting(Mutex::new(0)))).await;
    let request = Request::post("/v1/app/status", &serde_json::json!({})).unwrap();
    let sent = client
        .send::<serde_json::Value>(&request, Some(&AnySigner))
        .await;
    assert!(matches!(sent, Err(ClientError::Unreachable)), "{sent:?}");
    let header = |head: &str, name: &str| {
        let head = head.to_ascii_lowercase();
        let line = head
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap()
            .to_owned();
        line[name.len()..].trim().to_owned()
    };
    let heads = seen.lock().unwrap().heads.clone();
    assert_eq!(heads.len(), 3);
    let keys: Vec<String> = heads
        .iter()
        .map(|h| header(h, "idempotency-key:"))
        .collect();
    let nonces: Vec<String> = heads.iter().map(|h| header(h, "x-mitid-nonce:")).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(!nonces.contains(&keys[0]), "the key is its own draw");
    let distinct: std::collections::HashSet<&String> = nonces.iter().collect();
    assert_eq!(distinct.len(), 3, "{nonces:?}");
}

impl RandomSource for Scripted {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        let byte = self.0.ok_or(RandomUnavailable)?;
        buf.fill(byte);
        Ok(())
    }
}

/// A device key that signs everything with the same bytes (the server here checks nothing).
struct AnySigner;

impl RequestSigner for AnySigner {
    fn authenticator_id(&self) -> &str {
        "app-1"
    }

    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, ClientError> {
        Ok(vec![0x30])
    }
}

/// The request's nonce and its fresh idempotency key come from the randomness the app was
/// given. Before, the client drew both from the OS itself, so a test or an audit could not
/// replace them, and a failing generator panicked instead of failing the request.
#[tokio::test]
async fn nonces_and_idempotency_keys_come_from_the_injected_randomness() {
    let (base, pin, seen) = tls_server(&[&rustls::version::TLS13]).await;
    let endpoint = ServerEndpoint {
        base_url: base,
        key_pins: vec![pin, key_pin_of_spki(b"backup key held offline")],
    };
    let with = |random: Scripted| {
        HttpClient::new(&endpoint, tuning(), Arc::new(SystemClock), Arc::new(random)).unwrap()
    };
    let request = Request::post("/v1/app/status", &serde_json::json!({})).unwrap();

    let answer: serde_json::Value = with(Scripted(Some(0x11)))
        .send(&request, Some(&AnySigner))
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    let head = seen.lock().unwrap().heads[0].to_ascii_lowercase();
    let drawn = URL_SAFE_NO_PAD.encode([0x11u8; 16]).to_ascii_lowercase();
    assert!(
        head.contains(&format!("idempotency-key: {drawn}\r\n")),
        "{head}"
    );
    assert!(
        head.contains(&format!("x-mitid-nonce: {drawn}\r\n")),
        "{head}"
    );

    let failed = with(Scripted(None))
        .send::<serde_json::Value>(&request, Some(&AnySigner))
        .await;
    assert!(matches!(failed, Err(ClientError::Random)), "{failed:?}");
    assert_eq!(
        seen.lock().unwrap().requests,
        1,
        "nothing sent without randomness"
    );
}
