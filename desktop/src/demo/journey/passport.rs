//! The demo's passport step: "Forgot your PIN code?" → "Use passport/ID card" (help page
//! 003's first route). The simulated chip (a test double standing in for Karen's passport)
//! answers the real core over BAC and secure messaging; the server verifies the document
//! against the test passport office's CA and compares the face with the face-matching test
//! double. A phone reads the real chip over NFC and a deployment plugs in a face vendor.

use mitid_testing::PassportOffice;

use super::*;

impl Journey {
    pub(super) async fn passport(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let passport = PassportOffice::danish().issue(&KAREN.person());
        let flow = self
            .world
            .app
            .new_pin_flow(&karen.local_id, NewPinStart::Passport)
            .map_err(|e| format!("no passport flow: {}", self.told(&e)))?;
        passport
            .enter_details(&flow)
            .await
            .map_err(|e| format!("the data page: {}", self.told(&e)))?;
        let step = flow
            .read_chip(Box::new(passport.chip(31)))
            .await
            .map_err(|e| format!("the chip: {}", self.told(&e)))?;
        expect_step(&step, step == NewPinStep::CaptureFace, "capture the face")?;
        self.note(format!(
            "The chip was read over BAC and secure messaging and signed the server's challenge (simulated chip); its face image is {} bytes",
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
}
