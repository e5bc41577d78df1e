//! Chip authentication with the server as the terminal (`mitid_emrtd::chip_auth`): the
//! server's ephemeral key for a document challenge is derived from the code key and the
//! challenge's id, so nothing secret is stored and any server process makes the same one.
//!
//! A P-256 key is derived from the challenge alone: its public half goes out with the
//! challenge, for apps that give it to the chip during the read. A DH key lives in the
//! chip's own group, which only DG14 names, and is derived from the challenge and the
//! group's parameters. DG14 reaches [`command`] unchecked, so its group may be anyone's
//! (a composite subgroup order, say); an answer in such a group could tell the key's
//! residues modulo its small factors, but that key serves no other group, and the group of
//! a genuine DG14 gets a key of its own.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_emrtd::chip_auth::{self, ChipKey, KeyGroup, KeyKinds};
use mitid_emrtd::PassiveAuthError;
use zeroize::Zeroizing;

use crate::crypto::codes::CodeHasher;
use crate::crypto::tokens::sha256;

/// The labels of the derivations: P-256, and a MODP group.
const LABEL: &str = "document-chip-authentication";
const LABEL_DH: &str = "document-chip-authentication-dh";

/// The 32 secret bytes the server's ephemeral private key for challenge `challenge_id` in
/// `group` is made from.
pub fn ephemeral(codes: &CodeHasher, challenge_id: &str, group: &KeyGroup) -> Zeroizing<[u8; 32]> {
    let derived = match group {
        KeyGroup::P256 => codes.derive(LABEL, challenge_id),
        KeyGroup::Dh(group) => {
            let parameters = group.parameters();
            let group = sha256(&[&parameters.p, &parameters.g, &parameters.q]);
            let id = format!("{challenge_id}/{}", URL_SAFE_NO_PAD.encode(group));
            codes.derive(LABEL_DH, &id)
        }
    };
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&derived[..32]);
    bytes
}

/// Its P-256 public key, sent with the challenge (`None` in the case, of probability
/// 2^-256, that the derived bytes reduce to a zero scalar).
pub fn public_key(codes: &CodeHasher, challenge_id: &str) -> Option<Vec<u8>> {
    let seed = ephemeral(codes, challenge_id, &KeyGroup::P256);
    chip_auth::verifier_public_key(&KeyGroup::P256, &seed).ok()
}

/// What the app passes to a chip for its chip authentication.
pub struct ForChip {
    /// The server's public key in the group of the chip's key, given to the chip first.
    pub key: Vec<u8>,
    /// GET CHALLENGE, protected under the keys the chip then shares with the server.
    pub command: Vec<u8>,
}

/// What the app is given for the chip whose DG14 is `dg14`: `None` when DG14 names no key
/// this server runs chip authentication with, of the `kinds` the app takes (P-256 only for
/// an app that gives the chip the challenge's key).
pub fn command(
    codes: &CodeHasher,
    challenge_id: &str,
    dg14: &[u8],
    kinds: KeyKinds,
) -> Result<Option<ForChip>, PassiveAuthError> {
    let Some(key) = chip_auth::chip_key(dg14, kinds)? else {
        return Ok(None);
    };
    let seed = ephemeral(codes, challenge_id, &key.group);
    let public = chip_auth::verifier_public_key(&key.group, &seed)
        .map_err(|_| PassiveAuthError::Malformed("DG14"))?;
    Ok(Some(ForChip {
        key: public,
        command: chip_auth::verifier_command(&seed, &key)?,
    }))
}

/// Checks the chip's `answer` for the chip `key` and challenge `challenge_id`.
pub fn verify(
    codes: &CodeHasher,
    challenge_id: &str,
    key: &ChipKey,
    answer: &[u8],
) -> Result<(), PassiveAuthError> {
    chip_auth::verify_answer(&ephemeral(codes, challenge_id, &key.group), key, answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitid_emrtd::pace::Group;

    /// Each group gets a key of its own for a challenge, so that what a made-up group's
    /// answers tell of its key tells nothing of another's; and the P-256 key stays the one
    /// the challenge announced to older apps.
    #[test]
    fn each_group_has_its_own_key_for_a_challenge() {
        let codes = CodeHasher::new(&[3; 32]);
        let dh = |group| KeyGroup::Dh(chip_auth::DhGroup::standard(group).unwrap());
        let groups = [
            KeyGroup::P256,
            dh(Group::Modp1024),
            dh(Group::Modp2048Q224),
            dh(Group::Modp2048Q256),
        ];
        let seeds: Vec<_> = groups
            .iter()
            .map(|group| *ephemeral(&codes, "dc_1", group))
            .collect();
        for (i, a) in seeds.iter().enumerate() {
            assert!(
                seeds[i + 1..].iter().all(|b| a != b),
                "group {i} shares a key"
            );
        }
        assert_ne!(*ephemeral(&codes, "dc_2", &groups[1]), seeds[1]);
        let announced = public_key(&codes, "dc_1");
        assert_eq!(
            announced,
            chip_auth::verifier_public_key(&KeyGroup::P256, &seeds[0]).ok()
        );
    }
}
