//! What the core leaves in freed memory: its HTTPS client's copies of a request body, a
//! typed secret refused at the wrong step (a code, a face), the document details the
//! access key is made of, taken or refused, and the chip's files as the reader reads them.
//!
//! The HTTPS client first. A request body may hold a secret (an
//! activation code, a P-code, a password); every copy the client makes of it must be wiped
//! before its memory is given back. This test binary's allocator scans each block the
//! client's thread frees for a marker sent in a request body, and counts the blocks that
//! still hold it. The server answering runs on a thread of its own, whose blocks are not
//! scanned: it is not the app.
//!
//! What the client cannot reach stays out of the count by construction: the response (hyper
//! reads it into its own buffer) carries no marker here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use mitid_core::app::{BlockTarget, Confirm};
use mitid_core::client::{ClientTuning, HttpClient, Request, ServerEndpoint};
use mitid_core::random::OsRandom;
use mitid_protocol::clock::SystemClock;
use mitid_protocol::key_pin::key_pin_of_spki;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the request carries; long enough that no other bytes match it by chance.
const MARKER: &[u8] = b"wipe-me-3f9c2a7e51d84b60c1e7a2f9";

/// A document number (22 characters, the longest), as the access key keeps it.
const DOCUMENT_MARKER: &[u8] = b"WIPEME3F9C2A7E51D84B60";

const ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}";

mod scanning;

#[global_allocator]
static ALLOCATOR: scanning::Scanning = scanning::Scanning;

/// The markers this binary's tests scan freed blocks for.
const MARKERS: &[&[u8]] = &[MARKER, DOCUMENT_MARKER];

#[derive(serde::Serialize)]
struct Body {
    secret: &'static str,
    /// After the secret, so that the body outgrows a serialiser's first buffer once the
    /// secret is in it.
    note: &'static str,
}

/// A TLS server on a thread of its own that reads one request with its body and answers.
fn server() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pin = key_pin_of_spki(&rcgen::PublicKeyData::subject_public_key_info(&key));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(MARKER.len()).any(|w| w == MARKER) {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls.write_all(ANSWER).await;
                let _ = tls.shutdown().await;
            }
        });
    });
    (base, pin)
}

#[test]
fn a_request_body_leaves_no_copy_in_freed_memory() {
    let (base_url, pin) = server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = HttpClient::new(
        &ServerEndpoint {
            base_url,
            key_pins: vec![pin, key_pin_of_spki(b"backup key held offline")],
        },
        ClientTuning {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            retries: 0,
            backoff: Duration::from_millis(1),
        },
        Arc::new(SystemClock),
        Arc::new(OsRandom),
    )
    .unwrap();
    let body = Body {
        secret: std::str::from_utf8(MARKER).unwrap(),
        note: "a body longer than the hundred and twenty-eight bytes a serialiser starts with, \
               so that it grows its buffer at least once after the secret was written",
    };

    let left = scanning::unwiped_after(MARKERS, || {
        runtime.block_on(async {
            let request = Request::post("/v1/app/activation/begin", &body).unwrap();
            let answer: serde_json::Value = client.send(&request, None).await.unwrap();
            assert_eq!(answer["ok"], true);
        });
        // The connection and its buffers go with the client and the runtime.
        drop(client);
        drop(runtime);
    });

    assert_eq!(left, 0, "freed blocks held the body");
}

/// The app opened offline (no request leaves it in this test).
fn offline_app(dir: &std::path::Path) -> mitid_core::app::App {
    let keys = mitid_core::keystore::SoftwareKeyStore::in_memory().unwrap();
    let clock = Arc::new(mitid_protocol::clock::FakeClock::new(1_700_000_000));
    mitid_core::app::App::open(
        dir,
        mitid_core::platform::Platform::software(keys, clock),
        ServerEndpoint {
            base_url: "https://127.0.0.1:9".into(),
            key_pins: vec![key_pin_of_spki(b"key"), key_pin_of_spki(b"backup key")],
        },
    )
    .unwrap()
}

/// What the citizen typed, as a shell hands it over: a `String` the flow owns from then on.
fn typed() -> String {
    String::from_utf8(MARKER.to_vec()).unwrap()
}

/// Before, a PIN, activation code, P-code or the document's details typed at a step that
/// does not take them, or a PIN confirming an action refused before it was used, were
/// dropped unwiped: only the accepted path wiped them. Likewise the face the camera
/// captured, handed over at a step that does not take it (it was wrapped only once the
/// step was right).
#[test]
fn typed_secrets_refused_at_the_wrong_step_are_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let app = offline_app(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let left = scanning::unwiped_after(MARKERS, || {
        runtime.block_on(async {
            // A fresh activation asks for the user ID first: every one of these is refused.
            let flow = app.start_activation();
            assert!(flow.submit_activation_code(typed()).await.is_err());
            assert!(flow.submit_new_pin(typed()).await.is_err());
            assert!(flow.submit_repeat_pin(typed()).await.is_err());
            assert!(flow.submit_p_code(typed()).await.is_err());
            assert!(flow.submit_mrz(typed()).await.is_err());
            let details = flow.submit_document_details(typed(), typed(), typed());
            assert!(details.await.is_err());
            assert!(flow.submit_face(typed().into_bytes()).await.is_err());
            // A PIN given to confirm an action for a user this app does not hold.
            let pin = || Confirm::Pin { pin: typed() };
            assert!(app.request_profile_change("nobody", pin()).await.is_err());
            let change = app.change_user_id("nobody", "someone".into(), pin());
            assert!(change.await.is_err());
            let block = app.block("nobody", BlockTarget::WholeMitid, Some(pin()));
            assert!(block.await.is_err());
            assert!(app.enable_biometrics("nobody", typed()).await.is_err());
        })
    });
    assert_eq!(left, 0, "refused input left unwiped");
}

/// Before, the access key built the document number in a growing `String`, padded it into
/// another and dropped the first unwiped, on success and on a refused date alike.
#[test]
fn the_document_details_leave_no_copy_taken_or_refused() {
    use mitid_emrtd::AccessKey;
    // As typed: lower case, wiped by the test itself.
    let number =
        zeroize::Zeroizing::new(String::from_utf8(DOCUMENT_MARKER.to_ascii_lowercase()).unwrap());
    let left = scanning::unwiped_after(MARKERS, || {
        let key = AccessKey::new(&number, "850412", "310101");
        assert!(key.is_ok());
        drop(key);
        assert!(AccessKey::new(&number, "850412", "311399").is_err());
        assert!(AccessKey::new(&number, "85x412", "310101").is_err());
    });
    assert_eq!(left, 0, "the document number left unwiped");
}

/// Bytes of the face image that no other bytes match by chance.
const FACE_MARKER: &[u8] = b"face-3f9c2a7e51d84b60c1e7a2f9d0b";

/// The holder's surname in DG1's zone, which no other bytes match by chance.
const NAME_MARKER: &[u8] = b"QZXWVJKQZXWVJK";

/// A chip answering on a thread of its own, as a phone's NFC link: the blocks it frees are
/// the chip's, not the app's, and are not scanned. It is made there too, so that the
/// issuing of its files leaves no copy of the holder's data in this thread's free memory
/// for a later block to be handed out over. It counts the APDUs it carried.
struct ChipOnItsThread {
    to_chip: std::sync::mpsc::Sender<Vec<u8>>,
    from_chip: std::sync::mpsc::Receiver<Result<Vec<u8>, String>>,
    carried: usize,
}

impl ChipOnItsThread {
    /// A chip with a marked face and surname (and DG14, read after the face, when
    /// `with_dg14`), whose link is lost after `lost_after` APDUs.
    fn spawn(with_dg14: bool, lost_after: Option<usize>) -> Self {
        let (to_chip, commands) = std::sync::mpsc::channel::<Vec<u8>>();
        let (answers, from_chip) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut chip = marked_chip(with_dg14);
            if let Some(n) = lost_after {
                chip = chip.losing_link_after(n);
            }
            for apdu in commands {
                // Handed over in a buffer of its exact size, as a phone's NFC stack does:
                // the chip's own buffers may hold what it freed before past their ends.
                let answer = mitid_emrtd::NfcLink::transceive(&mut chip, &apdu);
                if answers.send(answer.map(|a| a.as_slice().to_vec())).is_err() {
                    break;
                }
            }
        });
        Self {
            to_chip,
            from_chip,
            carried: 0,
        }
    }
}

impl mitid_emrtd::NfcLink for ChipOnItsThread {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        self.carried += 1;
        self.to_chip
            .send(apdu.to_vec())
            .map_err(|e| e.to_string())?;
        self.from_chip.recv().map_err(|e| e.to_string())?
    }
}

/// The specimen holder, with a marked surname.
fn marked_holder() -> mitid_emrtd::testing::TestHolder {
    mitid_emrtd::testing::TestHolder {
        surname: String::from_utf8(NAME_MARKER.to_vec()).unwrap(),
        ..mitid_emrtd::testing::TestHolder::specimen()
    }
}

/// A chip issued to the marked holder, with a face full of the face marker.
fn marked_chip(with_dg14: bool) -> mitid_emrtd::testing::SimulatedChip {
    use mitid_emrtd::testing::{SimulatedChip, TestAuthority};
    let holder = marked_holder();
    let mut face = vec![0xFF, 0xD8, 0xFF, 0xE0];
    (0..200).for_each(|_| face.extend_from_slice(FACE_MARKER));
    face.extend([0xFF, 0xD9]);
    let authority = TestAuthority::new("DNK");
    let files = match with_dg14 {
        true => authority.issue_with_chip_authentication(&holder, &face).0,
        false => authority.issue(&holder, &face),
    };
    SimulatedChip::new(&files, &holder.access_key(), Box::new(rand_core::OsRng))
}

/// The holder's data the reader takes from the chip (DG1's zone, the face in DG2), part by
/// part under secure messaging, leaves no copy in freed memory once the files are dropped,
/// nor when the link is lost in the middle of the face or in DG14 after it (found by a
/// read-only review).
/// Before, each decrypted part was copied into a plain `Vec` and the file grew part by
/// part: each part and each growth step freed a block holding some of the face or the
/// surname (35 blocks), and, after the first fix, a lost link still dropped DG1 and the
/// face read so far unwiped (2 blocks).
#[test]
fn the_chips_files_leave_no_copy_in_freed_memory_read_or_lost() {
    // The key from the details alone: the marked surname is made on the chip's thread only.
    let key = mitid_emrtd::testing::TestHolder::specimen().access_key();
    let random = mitid_emrtd::ReaderRandom::from_bytes(&[7; mitid_emrtd::ReaderRandom::LEN]);
    let markers: &[&[u8]] = &[FACE_MARKER, NAME_MARKER];
    // Without DG14 the face is read last: five APDUs before the end are in its middle. With
    // it, DG14 is: the last APDU is in DG14, the holder's data read whole before it.
    for (with_dg14, from_the_end) in [(false, 5), (true, 1)] {
        let mut link = ChipOnItsThread::spawn(with_dg14, None);
        let left = scanning::unwiped_after(markers, || {
            let read = mitid_emrtd::read_document(&mut link, &key, &random, None).unwrap();
            assert!(read
                .dg2
                .windows(FACE_MARKER.len())
                .any(|w| w == FACE_MARKER));
            assert!(read
                .dg1
                .windows(NAME_MARKER.len())
                .any(|w| w == NAME_MARKER));
            assert_eq!(read.dg14.is_some(), with_dg14);
            drop(read);
        });
        assert_eq!(left, 0, "blocks with the holder's data left unwiped");
        let mut lost = ChipOnItsThread::spawn(with_dg14, Some(link.carried - from_the_end));
        let left = scanning::unwiped_after(markers, || {
            let read = mitid_emrtd::read_document(&mut lost, &key, &random, None);
            assert!(read.is_err());
        });
        assert_eq!(
            left, 0,
            "a lost link left the holder's data unwiped (DG14: {with_dg14})"
        );
    }
}
