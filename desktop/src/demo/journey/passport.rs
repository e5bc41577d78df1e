//! The demo's passport steps: "Forgot your PIN code?" → "Use passport/ID card" (help page
//! 003's first route), and "View user ID" → "Change user ID" (help page 004). The simulated chip (a test double standing in for Karen's passport)
//! answers the real core over PACE and secure messaging; the server verifies the document
//! against the test passport office's CA and compares the face with the face-matching test
//! double. A phone reads the real chip over NFC and a deployment plugs in a face vendor.

use mitid_core::flows::{DocumentOrigin, UserIdStep};
use mitid_testing::{DocumentSteps, PassportOffice, TestPassport};

use super::*;

impl Journey {
    /// The passport route's first steps on `flow`: the terms, a Danish document, and its
    /// data page.
    async fn danish_document<F: DocumentSteps>(
        &mut self,
        flow: &F,
        passport: &TestPassport,
    ) -> Result<(), String> {
        flow.accept_terms()
            .await
            .map_err(|e| format!("the terms: {}", self.told(&e)))?;
        flow.choose_document_origin(DocumentOrigin::Denmark)
            .await
            .map_err(|e| format!("where the passport is from: {}", self.told(&e)))?;
        self.note("Where is your passport/ID card from? Denmark");
        passport
            .enter_details(flow)
            .await
            .map_err(|e| format!("the data page: {}", self.told(&e)))?;
        Ok(())
    }

    pub(super) async fn passport(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let passport = PassportOffice::danish().issue(&KAREN.person());
        let flow = self
            .world
            .app
            .new_pin_flow(&karen.local_id, NewPinStart::Passport)
            .map_err(|e| format!("no passport flow: {}", self.told(&e)))?;
        let terms = self.world.app.document_terms(self.lang);
        self.note(format!(
            "{} (version {}): accepted",
            terms.title, terms.version
        ));
        self.danish_document(&flow, &passport).await?;
        let step = flow
            .read_chip(Box::new(passport.chip(31)))
            .await
            .map_err(|e| format!("the chip: {}", self.told(&e)))?;
        expect_step(&step, step == NewPinStep::CaptureFace, "capture the face")?;
        self.note(format!(
            "The chip was read over PACE and secure messaging and signed the server's challenge (simulated chip); its face image is {} bytes",
            passport.files.dg2.len()
        ));
        let refused = flow.submit_face(passport.other_face()).await;
        match refused {
            Err(e) if e.code() == "document_face_not_matched" => {
                self.note(format!("Someone else's face: {}", e.code()))
            }
            other => return Err(format!("someone else's face was not refused: {other:?}")),
        }
        // The server used up the challenge the chip signed: the chip is read again.
        flow.read_chip(Box::new(passport.chip(32)))
            .await
            .map_err(|e| format!("the chip again: {}", self.told(&e)))?;
        let step = flow
            .submit_face(passport.face.clone())
            .await
            .map_err(|e| format!("Karen's face: {}", self.told(&e)))?;
        expect_step(&step, step == NewPinStep::ChooseNewPin, "choose a new PIN")?;
        self.note("The server verified the passport, that it is Karen's, and her face");
        self.choose_new_pin(&flow).await?;
        self.note("The new PIN is in force");
        Ok(())
    }

    /// "View user ID": the passport and the face, the user ID, then "Change user ID":
    /// Peter's is refused as taken, 'karen.mitid' is saved at once.
    pub(super) async fn user_id(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let passport = PassportOffice::danish().issue(&KAREN.person());
        let flow = self
            .world
            .app
            .user_id_flow(&karen.local_id)
            .map_err(|e| format!("no user ID flow: {}", self.told(&e)))?;
        self.danish_document(&flow, &passport).await?;
        flow.read_chip(Box::new(passport.chip(33)))
            .await
            .map_err(|e| format!("the chip: {}", self.told(&e)))?;
        let shown = flow
            .submit_face(passport.face.clone())
            .await
            .map_err(|e| format!("Karen's face: {}", self.told(&e)))?;
        let UserIdStep::ShowUserId { user_id } = shown else {
            return Err(format!("expected the user ID, got {shown:?}"));
        };
        self.note(format!(
            "After the passport (simulated chip) and the face: your user ID is {user_id}"
        ));
        flow.change_user_id()
            .await
            .map_err(|e| format!("change user ID: {}", self.told(&e)))?;
        match flow.submit_new_user_id(PETER.user_id.to_owned()).await {
            Err(error @ MitidError::UserIdTaken) => {
                self.note(format!(
                    "'{}' refused: {}",
                    PETER.user_id,
                    self.told(&error)
                ));
            }
            other => return Err(format!("expected user_id_taken, got {other:?}")),
        }
        let done = flow
            .submit_new_user_id(NEW_USER_ID.to_owned())
            .await
            .map_err(|e| format!("changing to {NEW_USER_ID}: {}", self.told(&e)))?;
        let expected = UserIdStep::Done {
            user_id: NEW_USER_ID.to_owned(),
        };
        expect_step(&done, done == expected, "the new user ID in place")?;
        self.note(format!(
            "'{NEW_USER_ID}' saved at once (the passport check stands for the PIN and the hour's wait)"
        ));
        Ok(())
    }
}
