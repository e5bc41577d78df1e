//! The face vendor as the server calls it: the count of the check is on disk before the
//! face leaves for the vendor, and a vendor that answers after its time-out counts for
//! nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use mitid_server::documents::face::{FaceAnswer, FaceComparison, FaceError, FaceVerifier};
use mitid_server::store::Store;

use super::*;

/// A test double of a face-matching vendor that notes how many of the server's commits were
/// not yet durable when it was called, then answers as `FaceVerifierDouble` does (the same
/// bytes: the same person, live).
#[derive(Debug, Default)]
struct WatchingFaceVerifierDouble {
    store: OnceLock<Arc<dyn Store>>,
    unsynced_at_call: AtomicU64,
    calls: AtomicU64,
}

impl FaceVerifier for WatchingFaceVerifierDouble {
    fn compare(&self, request: &FaceComparison<'_>) -> Result<FaceAnswer, FaceError> {
        if let Some(store) = self.store.get() {
            let unsynced = store.stats().unsynced_commits;
            self.unsynced_at_call.fetch_max(unsynced, Ordering::SeqCst);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let same = request.live == request.reference.bytes.as_slice();
        Ok(FaceAnswer {
            similarity: if same { 1.0 } else { 0.0 },
            live: true,
        })
    }
}

/// The check is counted and committed before the face goes to the vendor, and committed
/// means on disk: inside an app request (`DurableLater`, SQLite) a commit does not wait for
/// the disk, and the vendor's call leaves the server before the answer's one wait (before:
/// the count was not yet durable when the vendor saw the face).
#[tokio::test]
async fn the_check_is_durable_before_the_face_goes_to_the_vendor() {
    let vendor = Arc::new(WatchingFaceVerifierDouble::default());
    let mut check = PassportOffice::danish().document_check();
    check.face = vendor.clone();
    let options = ServerOptions {
        documents: Some(check),
        ..ServerOptions::default()
    };
    let h = World::start_with(options).await.unwrap();
    let store = Arc::clone(&h.server.running().state().store);
    vendor
        .store
        .set(store)
        .unwrap_or_else(|_| panic!("set twice"));
    let (_, mut phone, passport) =
        citizen_with_passport(&h, "durable-vendor", PassportOffice::danish()).await;
    // As the app sends it: with an `Idempotency-Key`, so the request defers its waits.
    for (capture, key, status) in [
        (passport.face.clone(), "vendor-key-1", 200),
        (vec![7; 64], "vendor-key-2", 403),
    ] {
        let document = phone.passport_evidence(&passport, &capture).await;
        let route = mitid_protocol::wire::app::NewPinRoute::Passport;
        let body = json!({ "route": route, "document": document });
        let answer = phone.post_once(paths::NEW_PIN_AUTHORISE, &body, key).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    accepted_for(&mut phone, &passport).await;
    assert_eq!(vendor.calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        vendor.unsynced_at_call.load(Ordering::SeqCst),
        0,
        "the vendor saw a face whose check was not yet on disk"
    );
}

/// A test double of a face-matching vendor that answers "the same person, live" only after
/// `0` has passed, whatever it is sent: a vendor that ignores the time-out it is given.
#[derive(Debug)]
struct LateFaceVerifierDouble(std::time::Duration);

impl FaceVerifier for LateFaceVerifierDouble {
    fn compare(&self, _: &FaceComparison<'_>) -> Result<FaceAnswer, FaceError> {
        std::thread::sleep(self.0);
        Ok(FaceAnswer {
            similarity: 1.0,
            live: true,
        })
    }
}

/// The server waits for the face vendor no longer than its time-out, and an answer after it
/// counts for nothing: the check is refused as `unavailable` (before: the server waited as
/// long as the vendor took, holding a worker, and took its late "match").
#[tokio::test]
async fn a_face_vendor_that_answers_after_its_time_out_is_unavailable() {
    let mut check = PassportOffice::danish().document_check();
    check.face = Arc::new(LateFaceVerifierDouble(std::time::Duration::from_secs(3)));
    check.face_policy.timeout = std::time::Duration::from_millis(200);
    let options = ServerOptions {
        documents: Some(check),
        ..ServerOptions::default()
    };
    let h = World::start_with(options).await.unwrap();
    let (_, mut phone, passport) =
        citizen_with_passport(&h, "late-vendor", PassportOffice::danish()).await;
    refused_for(&mut phone, &passport, &passport.face, "unavailable").await;
}
