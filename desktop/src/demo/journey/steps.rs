//! The demo's steps after the server is up, each checked against what the help pages say.

use super::*;

impl Journey {
    pub(super) async fn create_citizens(&mut self) -> Result<(), String> {
        for citizen in [&KAREN, &PETER] {
            let person = self.world.create_person(citizen).await?;
            if person.user_id != citizen.user_id {
                return Err(format!(
                    "the registry gave user ID {} instead of {}",
                    person.user_id, citizen.user_id
                ));
            }
            self.note(format!(
                "{} (person {}), user ID {}, mobile {}",
                person.name,
                person.person_id,
                person.user_id,
                masked_number(citizen.mobile)
            ));
        }
        Ok(())
    }

    pub(super) async fn activation_code(&mut self) -> Result<(), String> {
        let code = self.sms_code(&KAREN, CodeKind::Activation).await?;
        self.activation_code = Some(code);
        Ok(())
    }

    pub(super) async fn activate(&mut self) -> Result<(), String> {
        let code = self
            .activation_code
            .take()
            .ok_or("no activation code was issued")?;
        let flow = self.world.app.start_activation();
        let since = self.world.sent_so_far();
        let sent_to = enter_user_id_and_code(&flow, KAREN.user_id, &code, self.lang).await?;
        self.note(format!(
            "The app: a temporary PIN was sent by SMS to {sent_to}"
        ));
        let temporary = self.read_sms_code(since, &KAREN, CodeKind::TemporaryPin)?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN was refused: {}", self.told(&e)))?;
        expect_step(
            &step,
            matches!(step, ActivationStep::ChooseNewPin),
            "choose a new PIN",
        )?;
        self.note("The app asks for a new 6-digit PIN");
        self.activation = Some(flow);
        Ok(())
    }

    pub(super) async fn weak_pin(&mut self) -> Result<(), String> {
        let flow = self
            .activation
            .as_ref()
            .ok_or("no activation in progress")?;
        match flow.submit_new_pin(WEAK_PIN.to_owned()).await {
            Err(MitidError::PinRejected { reason })
                if matches!(reason, PinRejection::Sequence | PinRejection::Blocklisted) =>
            {
                let still = flow.step();
                expect_step(
                    &still,
                    matches!(still, ActivationStep::ChooseNewPin),
                    "choose a new PIN again",
                )?;
                self.note(format!(
                    "{WEAK_PIN} refused: {} — {}",
                    reason.code(),
                    reason.message(self.lang)
                ));
                Ok(())
            }
            Err(other) => Err(format!(
                "expected pin_sequence or pin_blocklisted, got {}",
                self.told(&other)
            )),
            Ok(step) => Err(format!("the weak PIN was accepted (now at {step:?})")),
        }
    }

    pub(super) async fn choose_pin(&mut self) -> Result<(), String> {
        let flow = self.activation.take().ok_or("no activation in progress")?;
        let pin = random_good_pin(KAREN.birth_date, &[])?;
        let (user, _) = choose_pin_and_finish(&flow, &pin, self.lang).await?;
        if user.status != UserStatus::Ready {
            return Err(format!(
                "the new app is {}, not ready",
                user.status.as_str()
            ));
        }
        self.note(format!(
            "The app is activated for {} (app {}); biometrics: not now",
            user.user_id, user.authenticator_id
        ));
        self.pin = pin;
        self.karen = Some(user);
        Ok(())
    }

    pub(super) async fn approve(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let (login, flow, _) = self.bank_login_in_app(&karen).await?;
        let step = flow
            .approve_with_pin(self.pin.to_string())
            .await
            .map_err(|e| format!("the approval failed: {}", self.told(&e)))?;
        let what = "Karen types the code and approves with her PIN";
        self.approved_at_bank(&step, &login.transaction_id, Factor::Pin, what)
            .await
    }

    pub(super) async fn wrong_pins(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let (login, flow, _) = self.bank_login_in_app(&karen).await?;
        let wrong = random_good_pin(KAREN.birth_date, &[self.pin.as_str()])?;
        for attempt in 1..=3u32 {
            let result = flow.approve_with_pin(wrong.to_string()).await;
            match (attempt, result) {
                (1 | 2, Err(MitidError::WrongPin { remaining })) if remaining == 3 - attempt => {
                    self.note(format!(
                        "Wrong PIN #{attempt}: {}",
                        self.told(&MitidError::WrongPin { remaining })
                    ));
                    let step = flow.step();
                    expect_step(
                        &step,
                        matches!(step, ApprovalStep::ChooseFactor { .. }),
                        "try the PIN again",
                    )?;
                }
                (
                    3,
                    Err(
                        error @ (MitidError::TemporarilyLocked
                        | MitidError::WrongPin { remaining: 0 }),
                    ),
                ) => {
                    self.note(format!("Wrong PIN #3: {}", self.told(&error)));
                }
                (_, Err(other)) => {
                    return Err(format!("wrong PIN #{attempt}: got {}", self.told(&other)))
                }
                (_, Ok(step)) => {
                    return Err(format!("wrong PIN #{attempt} was accepted ({step:?})"))
                }
            }
        }
        let status = self
            .world
            .app
            .status(&karen.local_id)
            .await
            .map_err(|e| format!("the app's status: {}", self.told(&e)))?;
        if status.status != UserStatus::TemporarilyLocked {
            return Err(format!(
                "the app is {}, not temporarily_locked",
                status.status.as_str()
            ));
        }
        // Help page 003: a temporarily locked app offers "Change PIN code" on its home screen.
        let home = self.world.app.home().map_err(|e| self.told(&e))?;
        let offers_reset = home
            .users
            .iter()
            .find(|u| u.user.local_id == karen.local_id)
            .is_some_and(|u| u.actions.contains(&HomeAction::TemporaryPin));
        if !offers_reset {
            return Err("the locked app's home screen does not offer a temporary PIN".to_owned());
        }
        self.note(format!(
            "Home screen: {}",
            MitidError::TemporarilyLocked.message(self.lang)
        ));
        // The wrong PIN that locked the app also ended the login: the bank is told at once.
        let result = self.world.bank_result(&login.transaction_id).await?;
        if result.status != TransactionStatus::Failed {
            return Err(format!(
                "{BANK} sees its login as {}, not failed",
                result.status.as_str()
            ));
        }
        self.note(format!("{BANK} receives: {}", result.status.as_str()));
        Ok(())
    }

    pub(super) async fn temporary_pin(&mut self) -> Result<(), String> {
        let code = self.sms_code(&KAREN, CodeKind::TemporaryPin).await?;
        self.temporary_pin = Some(code);
        Ok(())
    }

    pub(super) async fn reset_pin(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let temporary = self
            .temporary_pin
            .take()
            .ok_or("no temporary PIN was issued")?;
        let flow = self
            .world
            .app
            .new_pin_flow(&karen.local_id, NewPinStart::TemporaryPin)
            .map_err(|e| format!("no temporary-PIN flow: {}", self.told(&e)))?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN: {}", self.told(&e)))?;
        expect_step(&step, step == NewPinStep::ChooseNewPin, "choose a new PIN")?;
        self.choose_new_pin(&flow).await?;
        let status = self
            .world
            .app
            .status(&karen.local_id)
            .await
            .map_err(|e| format!("the app's status: {}", self.told(&e)))?;
        if status.status != UserStatus::Ready {
            return Err(format!("the app is {}, not ready", status.status.as_str()));
        }
        self.note("The new PIN is in force; the app is ready for use");
        Ok(())
    }

    /// A new good PIN, typed twice, biometrics left off: the end of every new-PIN route.
    pub(super) async fn choose_new_pin(&mut self, flow: &NewPinFlow) -> Result<(), String> {
        let new_pin = random_good_pin(KAREN.birth_date, &[self.pin.as_str()])?;
        flow.submit_new_pin(new_pin.to_string())
            .await
            .map_err(|e| format!("the new PIN: {}", self.told(&e)))?;
        let mut step = flow
            .submit_repeat_pin(new_pin.to_string())
            .await
            .map_err(|e| format!("the repeated PIN: {}", self.told(&e)))?;
        if let NewPinStep::ChooseBiometrics { .. } = step {
            step = flow
                .choose_biometrics(false)
                .await
                .map_err(|e| format!("the biometrics choice: {}", self.told(&e)))?;
        }
        expect_step(&step, step == NewPinStep::Done, "done")?;
        self.pin = new_pin;
        Ok(())
    }

    pub(super) async fn biometrics(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        self.world
            .app
            .enable_biometrics(&karen.local_id, self.pin.to_string())
            .await
            .map_err(|e| format!("enabling biometrics: {}", self.told(&e)))?;
        let on = self
            .world
            .app
            .users()
            .map_err(|e| self.told(&e))?
            .iter()
            .any(|u| u.local_id == karen.local_id && u.biometrics_enabled);
        if !on {
            return Err("biometrics are not on after enabling them".to_owned());
        }
        self.note("Approve with biometrics: on");
        let (login, flow, factors) = self.bank_login_in_app(&karen).await?;
        if !factors.contains(&ApprovalFactor::Biometrics) {
            return Err(format!("biometrics are not offered (offered: {factors:?})"));
        }
        let step = flow
            .approve_with_biometrics()
            .await
            .map_err(|e| format!("approving with biometrics: {}", self.told(&e)))?;
        let what = "Karen types the code and approves with her fingerprint (simulated sensor)";
        self.approved_at_bank(&step, &login.transaction_id, Factor::Biometrics, what)
            .await
    }

    pub(super) async fn second_user(&mut self) -> Result<(), String> {
        let code = self.sms_code(&PETER, CodeKind::Activation).await?;
        let flow = self.world.app.start_activation();
        let since = self.world.sent_so_far();
        enter_user_id_and_code(&flow, PETER.user_id, &code, self.lang).await?;
        let temporary = self.read_sms_code(since, &PETER, CodeKind::TemporaryPin)?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN was refused: {}", self.told(&e)))?;
        expect_step(
            &step,
            matches!(step, ActivationStep::ChooseNewPin),
            "choose a new PIN",
        )?;
        let pin = random_good_pin(PETER.birth_date, &[])?;
        let (peter, turned_off) = choose_pin_and_finish(&flow, &pin, self.lang).await?;
        let users = self.world.app.users().map_err(|e| self.told(&e))?;
        if users.len() != 2 || !users.iter().all(|u| u.status == UserStatus::Ready) {
            return Err(format!("expected two ready users, found {}", users.len()));
        }
        for user in users.iter().filter(|u| turned_off.contains(&u.local_id)) {
            self.note(format!(
                "Biometrics turned off for {}: {}",
                user.user_id,
                MitidError::BiometricsNeedSingleUser.message(self.lang)
            ));
        }
        for user in &users {
            self.note(format!(
                "User on this app: {}{}{}",
                user.user_id,
                if user.biometrics_enabled {
                    ", biometrics on"
                } else {
                    ", biometrics off"
                },
                if user.local_id == peter.local_id {
                    " (selected)"
                } else {
                    ""
                }
            ));
        }
        Ok(())
    }

    // ------------------------------------------------------------------ helpers
}
